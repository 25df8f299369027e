/**
 * Middlewares every entry point shares: platform parameters (OpenWhisk), the request log line, and
 * the failure log of errors nobody expected.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { adoptParameters } from '../http/openwhisk.js';
import { errorFields, logger, requestScope, stageFields } from '../log.js';

/** What a middleware sees of a request whose event it may replace with its own shape. */
export type Middleware<TEvent, TResult> = MiddlewareObj<TEvent, TResult, Error, Context>;

/**
 * OpenWhisk has no environment for actions: its default parameters (EC2_*, OS_*…) arrive in each
 * invocation's params and become the environment before the configuration is read.
 */
export const openWhiskParameters = <TEvent, TResult>(): Middleware<TEvent, TResult> => ({
  name: 'openWhiskParameters',
  before: (request) => {
    if (request.event && typeof request.event === 'object') adoptParameters(request.event as Record<string, unknown>);
  },
});

/**
 * One JSON line per request once it is answered: status (or the EC2 error code), duration, the
 * OpenStack calls and table round trips it made (count and summed ms), and the front door's own
 * stages (authMs, parseMs, dispatchMs, serializeMs). `describe` reads the answer.
 */
export const requestLog = <TEvent, TResult>(describe: (response: TResult) => Record<string, unknown>): Middleware<TEvent, TResult> => {
  const line = (response: TResult | null) => {
    const scope = requestScope();
    logger.info('request', { ...(response ? describe(response) : {}), code: scope?.code, ...stageFields(scope) });
  };
  return {
    name: 'requestLog',
    after: (request) => line(request.response),
    onError: (request) => line(request.response),
  };
};

/** Logs a failure nobody expected (with its stack) before it is hidden behind InternalError. */
export const logUnexpected = (error: unknown) => logger.error('unexpected failure', errorFields(error));
