import { describe, expect, it } from 'vitest';
import { constantTimeEqual, forwardedAddresses, identify, signInstanceId } from '../../../lib/domain/metadata/identity.js';
import { MetadataFailure } from '../../../lib/domain/metadata/responses.js';
import { MAX_TTL_SECONDS, issueToken, requestedTtl, verifyToken } from '../../../lib/domain/metadata/tokens.js';
import { SECRET, SERVER_ID, TENANT, agentHeaders } from './fixtures.js';

const statusOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    if (error instanceof MetadataFailure) return error.status;
    throw error;
  }
  return 200;
};

describe('the agent signature', () => {
  it('is the hex HMAC-SHA256 neutron computes (vector from Python hmac)', () => {
    expect(signInstanceId('metadata-secret', SERVER_ID)).toBe('8d9995600eb6006d77f9c9ee116196b8e42c18305554907bfc8f65d3d00d0f61');
  });

  it('identifies a correctly signed request', () => {
    expect(identify(agentHeaders(), SECRET)).toEqual({ instanceId: SERVER_ID, tenantId: TENANT, forwardedFor: '10.77.0.28' });
  });

  it('accepts the signature in upper case hex', () => {
    const headers = agentHeaders();
    headers['x-instance-id-signature'] = headers['x-instance-id-signature'].toUpperCase();
    expect(statusOf(() => identify(headers, SECRET))).toBe(200);
  });

  it('is 400 when a header the agent always sends is missing', () => {
    for (const name of ['x-instance-id', 'x-tenant-id', 'x-instance-id-signature', 'x-forwarded-for'] as const) {
      const headers: Record<string, string | undefined> = { ...agentHeaders(), [name]: undefined };
      expect(statusOf(() => identify(headers, SECRET)), name).toBe(400);
    }
  });

  it('is 403 for a forged signature, another instance’s signature, or another secret', () => {
    expect(statusOf(() => identify({ ...agentHeaders(), 'x-instance-id-signature': '0'.repeat(64) }, SECRET))).toBe(403);
    const other = agentHeaders({ instanceId: 'aaaaaaaa-39ae-4fc9-8d65-15017fb1e789' });
    expect(statusOf(() => identify({ ...agentHeaders(), 'x-instance-id-signature': other['x-instance-id-signature'] }, SECRET))).toBe(403);
    expect(statusOf(() => identify(agentHeaders({ secret: 'another' }), SECRET))).toBe(403);
  });

  it('refuses everything when no secret is configured (an empty key would let anyone sign)', () => {
    expect(statusOf(() => identify(agentHeaders({ secret: '' }), ''))).toBe(403);
  });

  it('compares without caring about lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('reads X-Forwarded-For chains', () => {
    expect(forwardedAddresses('10.0.0.5')).toEqual(['10.0.0.5']);
    expect(forwardedAddresses('203.0.113.9, 10.0.0.5')).toEqual(['203.0.113.9', '10.0.0.5']);
  });
});

describe('IMDSv2 tokens', () => {
  const now = Date.UTC(2026, 0, 1);

  it('verify for the instance and tenant they were issued to, until they expire', () => {
    const token = issueToken(SECRET, SERVER_ID, TENANT, 60, now);
    expect(token).toMatch(/^[A-Za-z0-9_-]{60}$/);
    expect(() => verifyToken(SECRET, token, SERVER_ID, TENANT, now + 59_000)).not.toThrow();
    expect(statusOf(() => verifyToken(SECRET, token, SERVER_ID, TENANT, now + 60_000))).toBe(401);
  });

  it('are worthless to another instance, another tenant, or under another secret', () => {
    const token = issueToken(SECRET, SERVER_ID, TENANT, 600, now);
    expect(statusOf(() => verifyToken(SECRET, token, 'aaaaaaaa-39ae-4fc9-8d65-15017fb1e789', TENANT, now))).toBe(401);
    expect(statusOf(() => verifyToken(SECRET, token, SERVER_ID, 'other-tenant', now))).toBe(401);
    expect(statusOf(() => verifyToken('another', token, SERVER_ID, TENANT, now))).toBe(401);
  });

  it('cannot be extended by editing the expiry', () => {
    const raw = Buffer.from(issueToken(SECRET, SERVER_ID, TENANT, 1, now), 'base64url');
    raw.writeUInt32BE(raw.readUInt32BE(1) + 3600, 1);
    expect(statusOf(() => verifyToken(SECRET, raw.toString('base64url'), SERVER_ID, TENANT, now + 10_000))).toBe(401);
  });

  it('are 401 when malformed', () => {
    for (const bad of ['', 'x', 'AQAEA'.repeat(20), '!!!!']) expect(statusOf(() => verifyToken(SECRET, bad, SERVER_ID, TENANT, now))).toBe(401);
  });

  it('are unique per request', () => {
    expect(issueToken(SECRET, SERVER_ID, TENANT, 60, now)).not.toBe(issueToken(SECRET, SERVER_ID, TENANT, 60, now));
  });

  it('take a TTL of 1 to 21600 seconds, else 400', () => {
    expect(requestedTtl('1')).toBe(1);
    expect(requestedTtl(' 21600 ')).toBe(MAX_TTL_SECONDS);
    for (const bad of [undefined, '', '0', '21601', '-5', '1.5', 'abc', '99999999']) expect(statusOf(() => requestedTtl(bad)), String(bad)).toBe(400);
  });
});
