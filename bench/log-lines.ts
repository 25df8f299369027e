/**
 * Reading the endpoint's log (serverless-offline's output: the front door's and the families'
 * JSON lines, EC2_TRACE_OPENSTACK lines, and the emulator's `(λ: …) Duration` lines).
 */

/** One request's stages as the log shows them (ms). */
export interface Stages {
  client: number;
  frontDoorLambda?: number;
  frontDoor?: number;
  familyLambda?: number;
  family?: number;
  openstack: number;
  openstackCalls: number;
}

interface LogEntry {
  trace?: string;
  service?: string;
  ms?: number;
  callMs?: number;
  family?: string;
  container?: string;
  keystoneCalls?: number;
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
 * Splits the log written while requests ran ONE AT A TIME into one record per request: a request
 * ends with the front door's line (the one with `keystoneCalls`); trace lines and the family's line
 * before it are its own. `clientMs[i]` is the client's wall time of the i-th request.
 */
export function stagesFromLog(text: string, clientMs: number[], family: string): Stages[] {
  const out: Stages[] = [];
  let current: Stages = { client: 0, openstack: 0, openstackCalls: 0 };
  for (const line of text.split('\n')) {
    const lambda = /\(λ: (\w+)\) RequestId: \S+\s+Duration: ([\d.]+) ms/.exec(line);
    if (lambda) {
      // The front door's Duration line follows its JSON line: it belongs to the request just closed.
      if (lambda[1] === 'ec2' && out.length) out[out.length - 1]!.frontDoorLambda = Number(lambda[2]);
      else if (lambda[1] === family) current.familyLambda = Number(lambda[2]);
      continue;
    }
    const entry = entryOf(line);
    if (!entry || entry.ms === undefined) continue;
    if (entry.trace === 'openstack') {
      // lib/log.ts: a trace line's `ms` is the time since its request began; `callMs` is the call's.
      current.openstack += entry.callMs ?? entry.ms;
      current.openstackCalls++;
    } else if (entry.family) current.family = entry.ms;
    else if (entry.keystoneCalls !== undefined) {
      current.frontDoor = entry.ms;
      current.client = clientMs[out.length] ?? NaN;
      out.push(current);
      current = { client: 0, openstack: 0, openstackCalls: 0 };
    }
  }
  return out;
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
    if (entry?.trace === 'openstack' && entry.service) byService.set(entry.service, (byService.get(entry.service) ?? 0) + 1);
  }
  const start = keystoneCounters(before);
  let frontDoorKeystone = 0;
  for (const [container, count] of keystoneCounters(during)) frontDoorKeystone += count - (start.get(container) ?? 0);
  return { byService, frontDoorKeystone };
}
