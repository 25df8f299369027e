import type { Caller } from '../../../lib/auth/authenticator.js';

/** An authenticated caller of project `p` with a token valid for an hour. */
export const testCaller: Caller = {
  accessKey: 'ak',
  projectId: 'p',
  projectName: 'demo',
  userId: 'u',
  userName: 'demo',
  roles: [],
  token: 't',
  tokenExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
  endpoints: {},
};
