/**
 * The safety net under every request: a promise rejection nobody handles (a bug: see lib/deferred.ts)
 * must fail the one request it belongs to, with an AWS error, and never end the process. Node's default
 * for an unhandled rejection is to exit, which takes down serverless-offline (every later request gets
 * connection refused) or a Lambda execution environment with the requests it holds.
 *
 * The entry points install one process-level handler; each request runs inside `guardRequest`, whose
 * AsyncLocalStorage scope tells the handler which request a rejection came from (Node runs the
 * 'unhandledRejection' listener in the async context of the rejected promise).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { errorFields, logger } from './log.js';

interface RequestScope {
  requestId: string | undefined;
  escape(error: unknown): void;
}

const scopes = new AsyncLocalStorage<RequestScope>();
let installed = false;

/** Installs the process-level handler once (idempotent); entry points call it when they load. */
export function installUnhandledRejectionNet(): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    const scope = scopes.getStore();
    logger.error('unhandled rejection', { event: 'unhandledRejection', requestId: scope?.requestId, ...errorFields(reason) });
    scope?.escape(reason);
  });
}

/**
 * Runs one request. If a rejection of its work goes unhandled before it answers, it answers
 * `onEscape(error)` instead (its own work is left to finish or fail unobserved).
 */
export function guardRequest<T>(requestId: string | undefined, run: () => Promise<T>, onEscape: (error: unknown) => T): Promise<T> {
  let escape!: (error: unknown) => void;
  const escaped = new Promise<T>((resolve) => {
    escape = (error) => resolve(onEscape(error));
  });
  const work = scopes.run({ requestId, escape }, run);
  return Promise.race([work, escaped]);
}
