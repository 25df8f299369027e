/**
 * The sweeper: a scheduled function (serverless.yml `schedule`, which serverless-offline runs too;
 * an alarm trigger on OpenWhisk; `local/sweep.sh` runs it on demand) that finishes deferred deletions and reaps what
 * requests that stopped half way left behind, with bounded work per run and one JSON log line.
 *
 * It has no caller, so it acts with the EC2 service user's own token, which must hold `admin` (the
 * metadata function needs that already): Cinder, Glance and Nova let an admin read and delete any
 * project's resources by id, so one token serves every project and no Keystone call is made per
 * project. The projects come from the state table, a bounded page per run, continuing where the
 * last run stopped.
 */
import { config } from '../../lib/config.js';
import { adoptParameters } from '../../lib/http/openwhisk.js';
import { selectEndpoints } from '../../lib/openstack/catalog.js';
import { OpenStack } from '../../lib/openstack/clients.js';
import { serviceSession } from '../../lib/openstack/keystone.js';
import { REGION_PARTITION, storeFor } from '../../lib/store/project-store.js';
import { projectsPage } from '../../lib/store/projects.js';
import { sweepProject, type ProjectSweep, type SweepLimits } from './sweep.js';
import { scheduledHandler } from '../../lib/handlers.js';
import { logger } from '../../lib/log.js';

/** The sweeper's own items live under a partition no Keystone project id can take. */
const SWEEPER_PARTITION = '_sweeper';
const PROJECTS_CURSOR = 'projects-cursor';

const numberFrom = (value: string | undefined, fallback: number) => (value && /^\d+$/.test(value) ? Number(value) : fallback);

function limits(): SweepLimits & { tableItems: number; projects: number } {
  const env = process.env;
  return {
    tableItems: numberFrom(env['EC2_SWEEPER_TABLE_ITEMS'], 1000),
    projects: numberFrom(env['EC2_SWEEPER_PROJECTS'], 20),
    volumes: numberFrom(env['EC2_SWEEPER_VOLUMES'], 10),
    mappings: numberFrom(env['EC2_SWEEPER_MAPPINGS'], 20),
    tags: numberFrom(env['EC2_SWEEPER_TAGS'], 200),
    launches: numberFrom(env['EC2_SWEEPER_LAUNCHES'], 5),
    // The instances function's timeout is 120 s: a launch journal older than this is no live launch's.
    // Kept well under launch-token.ts's ABANDONED_MS (10 min) less the schedule (5 min), so a stopped
    // launch's claim is settled here before a retry with its token would give up on it and relaunch.
    launchAgeSeconds: numberFrom(env['EC2_SWEEPER_LAUNCH_AGE_SECONDS'], 180),
  };
}

export interface SweepSummary {
  msg: 'sweep';
  projects: number;
  volumesDeleted: number;
  volumesDeleting: number;
  volumesWaiting: number;
  mappingsChecked: number;
  mappingsForgotten: number;
  tagsRemoved: number;
  launchesFinished: number;
  launchesRolledBack: number;
  launchesWaiting: number;
  failedProjects: number;
  moreProjects: boolean;
  ms: number;
}

export async function sweep(): Promise<SweepSummary> {
  const started = Date.now();
  const budget = limits();
  const own = storeFor(SWEEPER_PARTITION);
  const cursor = await own.getJson<{ project: string; key: string }>(PROJECTS_CURSOR);
  const page = await projectsPage(budget.tableItems, cursor);
  if (page.next) await own.putJson(PROJECTS_CURSOR, page.next);
  else await own.delete(PROJECTS_CURSOR);

  const token = await serviceSession.get();
  const { interface: iface, region } = config().openstack;
  const openstack = new OpenStack(token.id, selectEndpoints(token.catalog, iface, region));
  const projects = page.projects.filter((p) => p !== SWEEPER_PARTITION && p !== REGION_PARTITION).slice(0, budget.projects);
  const results: ProjectSweep[] = [];
  let failedProjects = 0;
  for (const project of projects) {
    try {
      results.push(await sweepProject(storeFor(project), openstack, budget));
    } catch (error) {
      failedProjects += 1;
      logger.warn('sweeping a project failed', { project, error: String(error) });
    }
  }
  const sum = (pick: (r: ProjectSweep) => number) => results.reduce((total, r) => total + pick(r), 0);
  const summary: SweepSummary = {
    msg: 'sweep',
    projects: projects.length,
    volumesDeleted: sum((r) => r.volumes.gone),
    volumesDeleting: sum((r) => r.volumes.deleting),
    volumesWaiting: sum((r) => r.volumes.kept),
    mappingsChecked: sum((r) => r.mappingsChecked),
    mappingsForgotten: sum((r) => r.mappingsForgotten),
    tagsRemoved: sum((r) => r.tagsRemoved),
    launchesFinished: sum((r) => r.launches.finished),
    launchesRolledBack: sum((r) => r.launches.rolledBack),
    launchesWaiting: sum((r) => r.launches.waiting),
    failedProjects,
    moreProjects: Boolean(page.next),
    ms: Date.now() - started,
  };
  logger.info('sweep', { ...summary });
  return summary;
}

/** Lambda (schedule event, or a direct Invoke). */
export const handler = scheduledHandler('sweeper', () => sweep());

/** OpenWhisk (alarm trigger): configuration arrives as default parameters. */
export const main = (params: Record<string, unknown>): Promise<SweepSummary> => {
  adoptParameters(params);
  return sweep();
};
