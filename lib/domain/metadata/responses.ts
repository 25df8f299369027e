/**
 * Answers as AWS's instance metadata service writes them: values and listings as text/plain,
 * user data as the bytes given, errors as a bare status page that says nothing about the instance.
 */
import type { HttpResponse } from '../../http/gateway.js';

const BASE_HEADERS = { server: 'EC2ws' };

export const text = (body: string, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode: 200,
  headers: { ...BASE_HEADERS, 'content-type': 'text/plain', ...headers },
  body,
});

/**
 * Exact bytes. Text that survives a UTF-8 round trip travels as text (API Gateway passes it as it
 * is); anything else as base64 with isBase64Encoded, which the gateway turns back into bytes.
 */
export function bytes(data: Buffer): HttpResponse {
  const asText = data.toString('utf8');
  const exact = Buffer.from(asText, 'utf8').equals(data);
  return {
    statusCode: 200,
    headers: { ...BASE_HEADERS, 'content-type': 'application/octet-stream' },
    body: exact ? asText : data.toString('base64'),
    ...(exact ? {} : { isBase64Encoded: true }),
  };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** AWS's error page: the status and its reason, nothing else. */
export function failure(status: number, headers: Record<string, string> = {}): HttpResponse {
  const title = `${status} - ${REASONS[status] ?? 'Error'}`;
  const body = [
    '<?xml version="1.0" encoding="iso-8859-1"?>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"',
    '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">',
    ' <head>',
    `  <title>${title}</title>`,
    ' </head>',
    ' <body>',
    `  <h1>${title}</h1>`,
    ' </body>',
    '</html>',
    '',
  ].join('\n');
  return { statusCode: status, headers: { ...BASE_HEADERS, 'content-type': 'text/html', ...headers }, body };
}

/** A refusal carried as an exception through the request's steps. */
export class MetadataFailure extends Error {
  constructor(
    readonly status: number,
    /** For the log only, never for the answer. */
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
    this.name = 'MetadataFailure';
  }
}
