/** Fakes of OpenStack services and of the table that journal each call, to pin what an action calls and in which order. */
import { expect } from 'vitest';
import { OpenStackError, type ServiceClient } from '../../../lib/openstack/http.js';
import type { PutOptions } from '../../../lib/store/project-store.js';
import type { StateRecord } from '../../../lib/store/table.js';
import { MemoryStore } from '../support/memory-store.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Each call as `start <call>` and `end <call>`, in the order they happened. */
export type Journal = string[];

/** A fake OpenStack service: every call is journalled; a GET answers `answers[path]`, or 404 when it has none (the version document aside). */
export function service(name: string, journal: Journal, answers: Record<string, unknown> = {}): ServiceClient {
  const call = async (method: string, path: string) => {
    journal.push(`start ${name} ${method} ${path}`);
    await tick();
    journal.push(`end ${name} ${method} ${path}`);
    const answer = answers[path];
    if (answer === undefined && method === 'GET' && path !== '') throw new OpenStackError(name, 404, 'not found', undefined, method, path);
    return answer ?? {};
  };
  return {
    options: { baseUrl: `http://${name}.fake/${Math.random()}` },
    get: (path: string) => call('GET', path),
    delete: async (path: string) => void (await call('DELETE', path)),
    request: async (method: string, path: string) => ({ status: 200, headers: {}, body: await call(method, path) }),
  } as unknown as ServiceClient;
}

/** The table, journalling its writes. */
export class JournalledStore extends MemoryStore {
  constructor(private readonly journal: Journal) {
    super();
  }
  override async put(key: string, fields: Omit<StateRecord, 'project' | 'key'>, options?: PutOptions) {
    this.journal.push(`start table put ${key}`);
    await tick();
    this.journal.push(`end table put ${key}`);
    return super.put(key, fields, options);
  }
}

export const index = (journal: Journal, entry: string) => {
  const i = journal.indexOf(entry);
  expect(i, `${entry} in ${journal.join(' | ')}`).toBeGreaterThanOrEqual(0);
  return i;
};
export const calls = (journal: Journal) => journal.filter((e) => e.startsWith('start ')).map((e) => e.slice('start '.length));

