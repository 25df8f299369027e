/**
 * Sending fuzz requests and judging the answers, for tests/integration/fuzz.test.ts and
 * scripts/fuzz-soak.ts: what a project holds in OpenStack and the table (to compare before and
 * after), and what is wrong with an answer.
 */
import { XMLParser } from 'fast-xml-parser';
import type { StateStore } from '../../../lib/store/project-store.js';
import { wellFormedXml } from '../../unit/support/well-formed-xml.js';
import type { DirectOpenStack } from './openstack.js';
import type { FuzzRequest } from './fuzz-requests.js';
import { signedFormPost, type Ec2Credential, type RawResponse } from './raw.js';

export interface Holdings {
  openstack: Record<string, string[]>;
  table: string[];
}

/**
 * Everything a project holds that a request could have made. Reading the table needs the server's
 * table settings in process.env before lib/config.ts is first read (endpointInfo().serverEnv).
 */
export async function holdings(os: DirectOpenStack, projectId: string): Promise<Holdings> {
  const ids = (items: Array<{ id?: string; name?: string }>) => items.map((i) => i.id ?? i.name ?? '?').sort();
  const [servers, volumes, snapshots, images, ports, keypairs] = await Promise.all([
    os.nova.get<{ servers: Array<{ id: string }> }>('servers'),
    os.cinder.get<{ volumes: Array<{ id: string }> }>('volumes'),
    os.cinder.get<{ snapshots: Array<{ id: string }> }>('snapshots'),
    os.glance.get<{ images: Array<{ id: string }> }>('images', { owner: projectId }),
    os.neutron.get<{ ports: Array<{ id: string }> }>('ports', { project_id: projectId }),
    os.nova.get<{ keypairs: Array<{ keypair: { name: string } }> }>('os-keypairs'),
  ]);
  const { storeFor } = await import('../../../lib/store/project-store.js');
  const store: StateStore = storeFor(projectId);
  const records = await store.query('');
  return {
    openstack: {
      servers: ids(servers.servers),
      volumes: ids(volumes.volumes),
      snapshots: ids(snapshots.snapshots),
      images: ids(images.images),
      ports: ids(ports.ports),
      keypairs: ids(keypairs.keypairs.map((k) => k.keypair)),
    },
    // Describes give EC2 ids to what they list (public images): those mappings are not creations.
    table: records.map((r) => r.key).filter((k) => !k.startsWith('id#') && !k.startsWith('os#')).sort(),
  };
}

const parser = new XMLParser();

/** An error document longer than this repeats too much of the request (echoes are capped). */
const ERROR_BODY_MAX = 8192;

/** What is wrong with one answer, or undefined when it is what AWS would send. */
export function problemOf(request: FuzzRequest, response: RawResponse): string | undefined {
  const what = `${request.action} ${JSON.stringify(request.params).slice(0, 300)}`;
  if (response.status >= 500) return `${response.status} ${response.code ?? ''} for ${what}`;
  if (!wellFormedXml(response.body)) return `not well-formed XML (${response.status}) for ${what}: ${response.body.slice(0, 200)}`;
  const doc = parser.parse(response.body) as Record<string, Record<string, unknown>>;
  if (response.status === 200) {
    const root = doc[`${request.action}Response`];
    return root?.['requestId'] ? undefined : `200 without ${request.action}Response/requestId for ${what}`;
  }
  const error = doc['Response'] as { Errors?: { Error?: { Code?: string } }; RequestID?: string } | undefined;
  if (!error?.Errors?.Error?.Code || !error.RequestID) return `error without Code or RequestID (${response.status}) for ${what}`;
  if (response.body.length > ERROR_BODY_MAX) return `error body of ${response.body.length} bytes for ${what}`;
  return undefined;
}

export interface RunResult {
  sent: number;
  problems: string[];
  statuses: Map<number, number>;
  codes: Map<string, number>;
}

/** Sends the requests signed with `credential`, `concurrency` at a time, until done or `deadline` (ms epoch). */
export async function sendAll(requests: FuzzRequest[], credential: Ec2Credential, concurrency: number, deadline = Infinity): Promise<RunResult> {
  const result: RunResult = { sent: 0, problems: [], statuses: new Map(), codes: new Map() };
  let next = 0;
  const worker = async () => {
    while (next < requests.length && Date.now() < deadline) {
      const request = requests[next++]!;
      const body = new URLSearchParams([['Action', request.action], ['Version', '2016-11-15'], ...request.params]).toString();
      let response: RawResponse;
      try {
        response = await signedFormPost(body, credential);
      } catch (e) {
        result.problems.push(`no answer (${(e as Error).message}) for ${request.action}`);
        continue;
      }
      result.sent++;
      result.statuses.set(response.status, (result.statuses.get(response.status) ?? 0) + 1);
      const code = response.code ?? 'OK';
      result.codes.set(code, (result.codes.get(code) ?? 0) + 1);
      const problem = problemOf(request, response);
      if (problem) result.problems.push(problem);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}
