/**
 * The order of the middlewares lib/handlers.ts composes, and what that order guarantees: the
 * signature is checked before anything is parsed, DryRun is answered after the action's checks and
 * before the action runs, every failure leaves as an AWS error document, and every log line is
 * JSON naming the request.
 */
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InlineDispatcher } from '../../../lib/dispatch/dispatcher.js';
import { action, familyHandler, type ActionDefinition } from '../../../lib/family.js';
import { familyMiddlewares, frontDoorMiddlewares, type FrontDoorDeps } from '../../../lib/handlers.js';
import { authFailure } from '../../../lib/protocol/errors.js';
import { handleEc2Request } from '../../../functions/ec2/front-door.js';
import { testCaller } from '../support/caller.js';

const caller = { ...testCaller, projectId: 'project-7' };

const steps: string[] = [];
const family = familyHandler('instances', [
  action(
    'CreateTags',
    async () => {
      steps.push('run');
      return {};
    },
    { check: async () => void steps.push('check') },
  ),
  action('DescribeRegions', async () => {
    throw new Error('a bug, not a client error');
  }),
]);
const dispatcher = new InlineDispatcher(async () => family);
const authenticator = (accept: boolean): FrontDoorDeps['authenticator'] => ({
  authenticate: async (request) => {
    // The signature is checked on the raw body: nothing has been parsed yet.
    steps.push(`auth:${typeof request.body}`);
    if (!accept) throw authFailure();
    return caller;
  },
});
const deps = { accepting: { authenticator: authenticator(true), dispatcher }, refusing: { authenticator: authenticator(false), dispatcher } };
const post = (body: string, which: FrontDoorDeps) =>
  handleEc2Request({ method: 'POST', path: '/', query: {}, headers: { host: 'h', 'content-type': 'application/x-www-form-urlencoded' }, body }, which);
const errorOf = (body: string) => new XMLParser().parse(body).Response.Errors.Error as { Code: string; Message: string };

afterEach(() => {
  steps.length = 0;
  vi.restoreAllMocks();
});

describe('middleware order', () => {
  it('front door: platform parameters, request, metadata root, log, error document, signature, then parsing', () => {
    expect(frontDoorMiddlewares(() => deps.accepting).map((m) => m.name)).toEqual([
      'openWhiskParameters',
      'ec2Request',
      'metadataRoot',
      'requestLog',
      'ec2ErrorDocument',
      'signatureCheck',
      'parseAndValidate',
    ]);
  });

  it('family: parameters, request, log, errors, action, input, context, then DryRun', () => {
    expect(familyMiddlewares('instances', new Map<string, ActionDefinition>()).map((m) => m.name)).toEqual([
      'openWhiskParameters',
      'familyRequest',
      'requestLog',
      'familyErrors',
      'resolveAction',
      'parseActionInput',
      'actionContext',
      'dryRun',
    ]);
  });

  it('checks the signature before parsing: a bad signature on a malformed request is AuthFailure', async () => {
    const refused = await post('Action=DescribeRegions&Colour=blue', deps.refusing);
    expect(refused.statusCode).toBe(401);
    expect(errorOf(refused.body).Code).toBe('AuthFailure');
    expect(steps).toEqual(['auth:string']);

    const accepted = await post('Action=DescribeRegions&Colour=blue', deps.accepting);
    expect(accepted.statusCode).toBe(400);
    expect(errorOf(accepted.body).Code).toBe('UnknownParameter');
  });

  it('answers DryRun after the action\'s checks and never runs the action', async () => {
    const dry = await post('Action=CreateTags&ResourceId.1=i-0123456789abcdef0&Tag.1.Key=k&DryRun=true', deps.accepting);
    expect(dry.statusCode).toBe(412);
    expect(errorOf(dry.body).Code).toBe('DryRunOperation');
    expect(steps).toEqual(['auth:string', 'check']);

    steps.length = 0;
    const real = await post('Action=CreateTags&ResourceId.1=i-0123456789abcdef0&Tag.1.Key=k', deps.accepting);
    expect(real.statusCode).toBe(200);
    expect(steps).toEqual(['auth:string', 'check', 'run']);
  });

  it('turns an unexpected failure into an InternalError document and logs JSON lines naming the request', async () => {
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr]) vi.spyOn(stream, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
    const response = await post('Action=DescribeRegions', deps.accepting);
    vi.restoreAllMocks();

    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toContain('text/xml');
    expect(errorOf(response.body)).toMatchObject({ Code: 'InternalError' });
    expect(response.body).not.toContain('a bug');

    const entries = lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const requestId = response.headers['x-amzn-requestid'];
    // The family's failure (with its stack), the family's request line and the front door's.
    expect(entries.map((e) => [e['fn'], e['message']])).toEqual([
      ['instances', 'unexpected failure'],
      ['instances', 'request'],
      ['ec2', 'request'],
    ]);
    for (const entry of entries) {
      expect(entry).toMatchObject({ requestId, action: 'DescribeRegions', project: 'project-7' });
      expect(typeof entry['ms']).toBe('number');
    }
    expect(entries[2]).toMatchObject({ status: 500, code: 'InternalError' });
  });
});
