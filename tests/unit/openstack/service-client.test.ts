/**
 * The OpenStack client's transport (lib/openstack/http.ts over lib/http-exchange.ts) against a
 * scripted HTTP server on loopback: what it sends, how it reads answers, which failures it sends
 * again and which it reports, and how.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenStackError, OpenStackUnavailable, ServiceClient } from '../../../lib/openstack/http.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Script = (req: Seen, res: ServerResponse, n: number) => void;

let server: Server | undefined;

afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** A server answering request n (1-based) with `script`; what it received is in `seen`. */
async function scripted(script: Script): Promise<{ client: (timeoutMs?: number) => ServiceClient; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      script(entry, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const client = (timeoutMs = 5000) =>
    new ServiceClient({ service: 'nova', baseUrl: `http://127.0.0.1:${port}/v2.1/`, headers: { 'X-Auth-Token': 'tok' }, timeoutMs });
  return { client, seen };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('the OpenStack client', () => {
  it('sends the path below the base URL with its query, token and JSON body, and parses the JSON answer', async () => {
    const { client, seen } = await scripted((_req, res) => json(res, 200, { servers: [{ id: 'a' }] }));
    const nova = client();
    expect(await nova.get('/servers/detail', { limit: 2, marker: undefined, name: 'a b&c' })).toEqual({ servers: [{ id: 'a' }] });
    expect(await nova.post('servers', { server: { name: 'x' } })).toEqual({ servers: [{ id: 'a' }] });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v2.1/servers/detail?limit=2&name=a+b%26c' });
    expect(seen[0]!.headers).toMatchObject({ 'x-auth-token': 'tok', accept: 'application/json' });
    expect(seen[1]).toMatchObject({ method: 'POST', url: '/v2.1/servers', body: '{"server":{"name":"x"}}' });
    expect(seen[1]!.headers).toMatchObject({ 'content-type': 'application/json', 'content-length': '23' });
    const patchType = 'application/openstack-images-v2.1-json-patch';
    await nova.patch('images/i', [{ op: 'replace', path: '/name', value: 'n' }], { 'Content-Type': patchType });
    expect(seen[2]).toMatchObject({ method: 'PATCH', body: '[{"op":"replace","path":"/name","value":"n"}]' });
    expect(seen[2]!.headers['content-type']).toBe(patchType);
  });

  it('reads a compressed answer and a text one, and returns the headers', async () => {
    const { client } = await scripted((req, res) => {
      if (req.url.endsWith('/gz')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-openstack-request-id': 'req-1' });
        res.end(gzipSync(JSON.stringify({ big: 'x'.repeat(10_000) })));
      } else {
        res.writeHead(202, { 'content-type': 'text/plain' });
        res.end('accepted');
      }
    });
    const answer = await client().request<{ big: string }>('GET', 'gz');
    expect(answer.body.big).toHaveLength(10_000);
    expect(answer.headers['x-openstack-request-id']).toBe('req-1');
    expect(await client().request('DELETE', 'txt')).toMatchObject({ status: 202, body: 'accepted' });
  });

  it("turns a refusal into an OpenStackError with the service's own message and fault type", async () => {
    const { client } = await scripted((_req, res) =>
      json(res, 409, { NeutronError: { type: 'PortInUse', message: 'Port p is still in use', detail: '' } }),
    );
    const error = await client()
      .delete('ports/p')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenStackError);
    expect(error).toMatchObject({ service: 'nova', status: 409, message: 'Port p is still in use', type: 'PortInUse', method: 'DELETE' });
    expect((error as OpenStackError).url).toMatch(/\/v2\.1\/ports\/p$/);
  });

  it('sends an idempotent call again after a transient answer (Retry-After honoured), never a create', async () => {
    const { client, seen } = await scripted((_req, res, n) =>
      n % 2 === 1 ? json(res, 503, { message: 'busy' }, { 'retry-after': '0' }) : json(res, 200, { ok: n }),
    );
    expect(await client().get('servers')).toEqual({ ok: 2 });
    const refused = await client()
      .post('servers', {})
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 503, message: 'busy' });
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'POST']);
  });

  it('gives up after two transient retries, and at once when Retry-After asks for too long', async () => {
    const { client, seen } = await scripted((req, res) =>
      json(res, 503, { message: 'down' }, { 'retry-after': req.url.endsWith('/long') ? '3600' : '0' }),
    );
    await expect(client().get('servers')).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(3);
    await expect(client().get('long')).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(4);
  });

  it('reports an unreachable service and a silent one as OpenStackUnavailable, after the attempts an idempotent call is allowed', async () => {
    const closed = new ServiceClient({ service: 'cinder', baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    const refused = await closed.post('volumes', {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenStackUnavailable);
    expect((refused as Error).message).toBe('cinder is unreachable: ECONNREFUSED');

    const { client, seen } = await scripted(() => undefined); // never answers
    const silent = await client(200)
      .get('servers')
      .catch((e: unknown) => e);
    expect(silent).toBeInstanceOf(OpenStackUnavailable);
    expect((silent as Error).message).toBe('nova is unreachable: ETIMEDOUT');
    // The limit is each attempt's: a read that timed out is sent twice more (after 1 s and 2 s); a create is not.
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'GET']);
    await expect(client(200).post('servers', {})).rejects.toBeInstanceOf(OpenStackUnavailable);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'GET', 'POST']);
  }, 15_000);
});
