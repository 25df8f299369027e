/**
 * The one logger: Powertools' structured JSON logger, with the fields of the request being served
 * on every line (request id, function, action, project, and `ms` since the request began).
 *
 * The request's fields live in an AsyncLocalStorage scope opened by the entry point
 * (`inRequestScope`), not in the logger's own per-invocation keys: one process may serve several
 * requests at once (the inline dispatcher, serverless-offline), and each line must name its own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export interface RequestLogScope {
  /** The EC2 request id (the front door's, carried to the family). */
  requestId?: string;
  /** ec2, metadata, or the family's name. */
  fn: string;
  action?: string;
  project?: string;
  started: number;
  /** OpenStack calls made for this request, and the time they took (summed: calls may overlap). */
  openstack: { calls: number; ms: number };
  /** State table round trips made for this request, and their summed time. */
  table: { calls: number; ms: number };
  /** Time of the front door's own stages (authMs, parseMs, dispatchMs, serializeMs), as measured. */
  stages: Record<string, number>;
  /** The EC2 error code answered, if any. */
  code?: string;
}

const scopes = new AsyncLocalStorage<RequestLogScope>();

/** The fields of the request being served, if any (middlewares fill them in as they learn them). */
export const requestScope = (): RequestLogScope | undefined => scopes.getStore();

const freshScope = (fn: string): RequestLogScope => ({
  fn,
  started: performance.now(),
  openstack: { calls: 0, ms: 0 },
  table: { calls: 0, ms: 0 },
  stages: {},
});

/** Runs `work` (one request) with its own log fields. */
export function inRequestScope<T>(fn: string, work: () => T): T {
  return scopes.run(freshScope(fn), work);
}

/**
 * Opens a request's log scope for the rest of the current asynchronous call (a middy handler's
 * `requestStart` hook, which runs synchronously at the start of each invocation).
 */
export function enterRequestScope(fn: string): void {
  scopes.enterWith(freshScope(fn));
}

/** Milliseconds since the current request began. */
export const elapsedMs = (scope = requestScope()) => (scope ? Math.round(performance.now() - scope.started) : undefined);

class RequestLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const scope = requestScope();
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        fn: scope?.fn ?? attributes.serviceName,
        requestId: scope?.requestId,
        action: scope?.action,
        project: scope?.project,
        ms: elapsedMs(scope),
      },
    }).addAttributes(additional);
  }
}

export const logger = new Logger({ serviceName: 'ec2-api', logFormatter: new RequestLogFormatter() });

/** Milliseconds to one decimal: the stages of a cheap call are a few ms, and whole ms would hide them. */
const tenths = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Times one stage of the current request (`authMs`, `dispatchMs`…) into its log line. A stage that
 * runs twice in one request (never, today) adds up.
 */
export async function timedStage<T>(name: string, work: () => Promise<T> | T): Promise<T> {
  const scope = requestScope();
  if (!scope) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    scope.stages[name] = tenths((scope.stages[name] ?? 0) + performance.now() - started);
  }
}

/** The synchronous form of timedStage (parsing, serialization). */
export function timedStageSync<T>(name: string, work: () => T): T {
  const scope = requestScope();
  if (!scope) return work();
  const started = performance.now();
  try {
    return work();
  } finally {
    scope.stages[name] = tenths((scope.stages[name] ?? 0) + performance.now() - started);
  }
}

/** Counts one state table round trip against the current request. */
export async function timedTableCall<T>(call: Promise<T>): Promise<T> {
  const scope = requestScope();
  if (!scope) return call;
  const started = performance.now();
  try {
    return await call;
  } finally {
    scope.table.calls++;
    scope.table.ms += performance.now() - started;
  }
}

/** The per-stage fields of the request's log line. */
export function stageFields(scope = requestScope()): Record<string, number> {
  if (!scope) return {};
  return {
    ...scope.stages,
    openstackCalls: scope.openstack.calls,
    openstackMs: scope.openstack.ms,
    tableCalls: scope.table.calls,
    tableMs: tenths(scope.table.ms),
  };
}

/** EC2_TRACE_OPENSTACK=1 logs each OpenStack call with its status and duration (where a request's time goes). */
const TRACE = process.env['EC2_TRACE_OPENSTACK'] === '1';

/** Counts an OpenStack call against the current request (and traces it when asked to). */
export function noteOpenStackCall(service: string, method: string, path: string, status: number | string, ms: number): void {
  const scope = requestScope();
  if (scope) {
    scope.openstack.calls++;
    scope.openstack.ms += ms;
  }
  // `api`, not `service`: Powertools reserves `service` and drops it from the line.
  if (TRACE) logger.info('openstack call', { trace: 'openstack', api: service, method, path, status, callMs: ms });
}

/** An error as log fields (the stack stays in the logs, never in an answer). */
export const errorFields = (error: unknown) =>
  error instanceof Error ? { error: { name: error.name, message: error.message, stack: error.stack } } : { error: String(error) };
