/**
 * Properties of the local signature checker: any request the AWS SDK's own signer signs verifies,
 * and changing any single signed part of it afterwards (method, path, query, body, a signed header,
 * the date) makes it fail.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyLocally } from '../../../lib/auth/local-signature.js';
import { signatureInfo, type IncomingRequest, type SigV4Info } from '../../../lib/auth/signed-request.js';

const ACCESS = 'AKIDPROPERTY';
const SECRET = 'property-secret';

const word = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);
const text = fc.string({ maxLength: 40, unit: 'grapheme' });

const requestShape = fc.record({
  method: fc.constantFrom('GET', 'POST'),
  path: fc.array(word, { maxLength: 3 }).map((segments) => `/${segments.join('/')}`),
  query: fc.dictionary(word, text, { maxKeys: 4 }),
  body: fc.dictionary(word, text, { maxKeys: 5 }).map((form) => new URLSearchParams(form).toString()),
  extraHeaders: fc.dictionary(fc.stringMatching(/^x-test-[a-z]{1,6}$/), fc.stringMatching(/^[!-~]{1,20}$/), { maxKeys: 3 }),
  signBodyHash: fc.boolean(),
  signedAt: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true }),
});
type Shape = typeof requestShape extends fc.Arbitrary<infer T> ? T : never;

async function sign(shape: Shape): Promise<IncomingRequest> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: ACCESS, secretAccessKey: SECRET },
    region: 'RegionOne',
    service: 'ec2',
    sha256: Sha256,
    applyChecksum: shape.signBodyHash,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: shape.method,
      hostname: 'ec2.example',
      path: shape.path,
      query: shape.query,
      headers: { host: 'ec2.example', 'content-type': 'application/x-www-form-urlencoded', ...shape.extraHeaders },
      body: shape.body,
    }),
    { signingDate: shape.signedAt },
  );
  return {
    method: shape.method,
    path: shape.path,
    query: { ...shape.query },
    headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: shape.body,
  };
}

const verifies = (request: IncomingRequest) =>
  verifyLocally(request, {}, signatureInfo(request, {}) as SigV4Info, SECRET);

/** One change to one signed part of a request. */
const mutation = fc.oneof(
  fc.constant((r: IncomingRequest) => ({ ...r, method: r.method === 'GET' ? 'POST' : 'GET' })),
  word.map((segment) => (r: IncomingRequest) => ({ ...r, path: `${r.path.replace(/\/$/, '')}/${segment}x` })),
  fc.tuple(word, text).map(([key, value]) => (r: IncomingRequest) => ({ ...r, query: { ...r.query, [`${key}!`]: value } })),
  fc.constant((r: IncomingRequest) => {
    const [key] = Object.keys(r.query);
    if (key === undefined) return { ...r, query: { Injected: '1' } };
    return { ...r, query: { ...r.query, [key]: `${r.query[key]}!` } };
  }),
  text.map((extra) => (r: IncomingRequest) => ({ ...r, body: `${r.body}&X=${encodeURIComponent(extra)}` })),
  fc.constant((r: IncomingRequest) => ({ ...r, headers: { ...r.headers, host: 'other.example' } })),
  fc.constant((r: IncomingRequest) => ({ ...r, headers: { ...r.headers, 'content-type': 'text/plain' } })),
  fc.integer({ min: 1, max: 86_400 }).map((seconds) => (r: IncomingRequest) => {
    const date = r.headers['x-amz-date']!;
    const shifted = new Date(
      Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15)) +
        seconds * 1000,
    );
    return { ...r, headers: { ...r.headers, 'x-amz-date': shifted.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '') } };
  }),
);

describe('local SigV4 verification (property-based)', () => {
  it('accepts every request the AWS SDK signer signs', async () => {
    await fc.assert(
      fc.asyncProperty(requestShape, async (shape) => {
        expect(await verifies(await sign(shape))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses the request once any single signed part changes', async () => {
    await fc.assert(
      fc.asyncProperty(requestShape, mutation, async (shape, mutate) => {
        expect(await verifies(mutate(await sign(shape)))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a signature made with another secret', async () => {
    await fc.assert(
      fc.asyncProperty(requestShape, fc.string({ minLength: 1, maxLength: 40 }), async (shape, other) => {
        fc.pre(other !== SECRET);
        const request = await sign(shape);
        expect(await verifyLocally(request, {}, signatureInfo(request, {}) as SigV4Info, other)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
