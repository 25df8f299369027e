/**
 * A fault proxy between our functions and one OpenStack service: forwards every request to the
 * service unchanged, except those a rule matches, which get the rule's fault instead: an HTTP error,
 * a reset connection, or a delay (past the client's timeout). It records every call it saw, so a
 * test can tell which calls were made, which failed, and how often a call was retried.
 *
 * The functions reach it through an endpoint override (OS_<TYPE>_ENDPOINT_OVERRIDE, see
 * lib/openstack/endpoint-overrides.ts) of a side-by-side endpoint; the shared endpoint never sees it.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { status: number; message?: string }
  | { reset: true }
  | { delayMs: number }
  /** The service gets the call and acts; its answer is lost (the connection drops). */
  | { dropAnswer: true };

export interface FaultRule {
  /** Only calls with this method (GET, POST…). */
  method?: string;
  /** Only calls whose path (with query) matches. */
  path?: RegExp;
  /** Let this many matching calls through first (a failure half way through an action). */
  skip?: number;
  /** Fault this many matching calls, then let them through again (default: all of them). */
  times?: number;
  fault: Fault;
}

export interface SeenCall {
  method: string;
  path: string;
  /** The fault given, or the service's status. */
  outcome: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export class FaultProxy {
  readonly calls: SeenCall[] = [];
  private rules: Array<FaultRule & { seen: number; given: number }> = [];

  private constructor(
    readonly service: string,
    private readonly target: URL,
    private readonly server: Server,
  ) {}

  /** Starts a proxy for the service at `targetOrigin` (http://host:port) on 127.0.0.1:`port`. */
  static async start(service: string, targetOrigin: string, port: number): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(service, new URL(targetOrigin), server);
    server.on('request', (req, res) => {
      void proxy.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return proxy;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** `url` (a catalog URL of the service) as reached through the proxy. */
  via(url: string): string {
    const u = new URL(url);
    return `${this.origin}${u.pathname.replace(/\/+$/, '')}`;
  }

  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, given: 0 });
  }

  /** Lets every call through again. */
  clearRules(): void {
    this.rules = [];
  }

  /** Removes every rule and forgets the calls seen. */
  reset(): void {
    this.rules = [];
    this.calls.length = 0;
  }

  /** Calls that got a fault. */
  faulted(): SeenCall[] {
    return this.calls.filter((c) => c.outcome.startsWith('fault'));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private ruleFor(method: string, path: string) {
    for (const rule of this.rules) {
      if (rule.method && rule.method !== method) continue;
      if (rule.path && !rule.path.test(path)) continue;
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && rule.given >= rule.times) continue;
      rule.given++;
      return rule;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const rule = this.ruleFor(method, path);
    const seen: SeenCall = { method, path, outcome: 'pending' };
    this.calls.push(seen);
    if (rule && 'status' in rule.fault) {
      seen.outcome = `fault ${rule.fault.status}`;
      req.resume();
      const body = JSON.stringify({ error: { code: rule.fault.status, message: rule.fault.message ?? `injected fault ${rule.fault.status}`, title: 'Injected' } });
      res.writeHead(rule.fault.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (rule && 'reset' in rule.fault) {
      seen.outcome = 'fault reset';
      req.socket.destroy();
      return;
    }
    if (rule && 'delayMs' in rule.fault) {
      const { delayMs } = rule.fault;
      seen.outcome = `fault delay ${delayMs}`;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (req.socket.destroyed) return;
    }
    const upstream = httpRequest(
      { host: this.target.hostname, port: this.target.port, method, path, headers: { ...req.headers, host: this.target.host }, agent },
      (answer) => {
        if (rule && 'dropAnswer' in rule.fault) {
          seen.outcome = `fault answer ${answer.statusCode} dropped`;
          answer.resume();
          req.socket.destroy();
          return;
        }
        if (seen.outcome === 'pending') seen.outcome = String(answer.statusCode);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      seen.outcome = 'upstream error';
      res.destroy();
    });
    req.pipe(upstream);
  }
}
