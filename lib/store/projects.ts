/**
 * The projects the state table holds items for, read by the sweeper (which has no caller): a Scan
 * of the table's keys, one bounded page at a time, continuing where the previous page stopped.
 */
import { stateModel } from './table.js';

export interface ProjectsPage {
  projects: string[];
  /** Where the next page starts; absent once the whole table was read. */
  next?: { project: string; key: string };
}

/** Distinct projects among the next `limit` items of the table (a full table takes several pages). */
export async function projectsPage(limit: number, startAt?: { project: string; key: string }): Promise<ProjectsPage> {
  let scan = stateModel().scan().attributes(['project', 'key']).limit(limit);
  if (startAt) scan = scan.startAt(startAt);
  const result = await scan.exec();
  const projects = [...new Set(result.map((item) => (item as unknown as { project: string }).project))];
  const lastKey = result.lastKey as { project?: string; key?: string } | undefined;
  return lastKey?.project && lastKey.key ? { projects, next: { project: lastKey.project, key: lastKey.key } } : { projects };
}
