/**
 * Reading the endpoint's log (serverless-offline's output: the front door's and the families'
 * JSON lines, EC2_TRACE_OPENSTACK lines, and the emulator's `(λ: …) Duration` lines).
 */

/**
 * One request's stages, from the fields lib/log.ts puts on its lines (ms): the front door's line
 * (`authMs`, `parseMs`, `dispatchMs`, `serializeMs`, total `ms`), the family's line (total `ms`,
 * `openstackMs`/`openstackCalls`, `tableMs`/`tableCalls`; OpenStack and table times are sums, and
 * the calls may overlap each other), and the EC2_TRACE_OPENSTACK lines, all joined by `requestId`.
 */
export interface RequestStages {
  requestId: string;
  action?: string;
  frontDoor?: number;
  auth?: number;
  parse?: number;
  dispatch?: number;
  serialize?: number;
  family?: number;
  openstack?: number;
  openstackCalls?: number;
  table?: number;
  tableCalls?: number;
  /** The trace lines' calls (`api` `method` `path` and its ms), in the order they ended. */
  calls: Array<{ call: string; ms: number }>;
}

interface LogEntry {
  message?: string;
  requestId?: string;
  action?: string;
  trace?: string;
  /** The OpenStack service of a trace line (`service` in older lines, which Powertools dropped). */
  api?: string;
  service?: string;
  method?: string;
  path?: string;
  ms?: number;
  callMs?: number;
  family?: string;
  container?: string;
  keystoneCalls?: number;
  authMs?: number;
  parseMs?: number;
  dispatchMs?: number;
  serializeMs?: number;
  openstackMs?: number;
  openstackCalls?: number;
  tableMs?: number;
  tableCalls?: number;
}

/** The JSON object a log line carries (serverless-offline may put a prefix before it), if any. */
function entryOf(line: string): LogEntry | undefined {
  const start = line.indexOf('{"');
  if (start < 0) return undefined;
  try {
    return JSON.parse(line.slice(start)) as LogEntry;
  } catch {
    return undefined;
  }
}

/**
 * Every request in the log, by request id. Requests may have run concurrently: each line names its
 * own. Requests whose front door line is missing (still running, or cut off) are left out.
 */
export function requestsFromLog(text: string): Map<string, RequestStages> {
  const all = new Map<string, RequestStages>();
  const of = (id: string) => {
    let r = all.get(id);
    if (!r) all.set(id, (r = { requestId: id, calls: [] }));
    return r;
  };
  for (const line of text.split('\n')) {
    const entry = entryOf(line);
    if (!entry?.requestId) continue;
    const r = of(entry.requestId);
    if (entry.trace === 'openstack') {
      r.calls.push({ call: `${entry.api ?? entry.service ?? '?'} ${entry.method ?? ''} ${entry.path ?? ''}`, ms: entry.callMs ?? 0 });
    } else if (entry.message !== 'request') {
      continue;
    } else if (entry.family) {
      Object.assign(r, {
        family: entry.ms,
        openstack: entry.openstackMs,
        openstackCalls: entry.openstackCalls,
        table: entry.tableMs,
        tableCalls: entry.tableCalls,
      });
    } else if (entry.keystoneCalls !== undefined) {
      Object.assign(r, {
        action: entry.action,
        frontDoor: entry.ms,
        auth: entry.authMs,
        parse: entry.parseMs,
        dispatch: entry.dispatchMs,
        serialize: entry.serializeMs,
      });
    }
  }
  return new Map([...all].filter(([, r]) => r.frontDoor !== undefined));
}

/** The front door's running Keystone count per container (process), as its last line in `text` says. */
function keystoneCounters(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const entry = entryOf(line);
    if (entry?.container && entry.keystoneCalls !== undefined) out.set(entry.container, Math.max(out.get(entry.container) ?? 0, entry.keystoneCalls));
  }
  return out;
}

/**
 * OpenStack calls by service (trace lines) in the log written during a run (`during`), and the
 * front door's Keystone calls in it: per container, its count at the end minus its count before
 * the run (`before`: the log written before; a container first seen during the run starts at 0).
 */
export function callsInLog(before: string, during: string): { byService: Map<string, number>; frontDoorKeystone: number } {
  const byService = new Map<string, number>();
  for (const line of during.split('\n')) {
    const entry = entryOf(line);
    const api = entry?.trace === 'openstack' ? (entry.api ?? entry.service) : undefined;
    if (api) byService.set(api, (byService.get(api) ?? 0) + 1);
  }
  const start = keystoneCounters(before);
  let frontDoorKeystone = 0;
  for (const [container, count] of keystoneCounters(during)) frontDoorKeystone += count - (start.get(container) ?? 0);
  return { byService, frontDoorKeystone };
}
