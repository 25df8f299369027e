import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { instancePath } from '../../../functions/metadata/handler.js';

describe('the path the instance asked for', () => {
  it('is the REST event’s path, without the stage its requestContext carries', () => {
    const event = { path: '/latest/meta-data/', requestContext: { path: '/dev/latest/meta-data/' } } as unknown as APIGatewayProxyEvent;
    expect(instancePath(event)).toBe('/latest/meta-data/');
  });

  it('is an HTTP API event’s rawPath, without a named stage', () => {
    const v2 = (rawPath: string, stage: string) => ({ version: '2.0', rawPath, requestContext: { stage } }) as unknown as APIGatewayProxyEventV2;
    expect(instancePath(v2('/prod/latest/user-data', 'prod'))).toBe('/latest/user-data');
    expect(instancePath(v2('/latest/user-data', '$default'))).toBe('/latest/user-data');
  });
});
