/** Which EC2 ids exist in a project, whatever their type: for actions that take ids of any kind (tags). */
import { notFound } from '../protocol/errors.js';
import { ID_ERRORS, requireResourceType } from './id-errors.js';
import { uuidsOf } from './ids.js';
import type { StateStore } from './project-store.js';

/**
 * Checks every id is well formed and names a resource of this project (mapped to OpenStack, or an
 * EC2-only object); otherwise AWS's InvalidID or the type's NotFound code.
 */
export async function requireKnownIds(store: StateStore, ec2Ids: string[]): Promise<void> {
  const types = new Map(ec2Ids.map((id) => [id, requireResourceType(id)]));
  const mapped = await uuidsOf(store, ec2Ids);
  const unmapped = ec2Ids.filter((id) => !mapped.has(id));
  const objects = await store.getMany(unmapped.map((id) => `obj#${id}`));
  const missing = unmapped.find((id) => !objects.has(`obj#${id}`));
  if (missing) {
    const errors = ID_ERRORS[types.get(missing)!];
    throw notFound(errors.notFound, missing, errors.noun);
  }
}

/** Which of these EC2 ids name a resource the project still has (a mapping or an EC2-only object). */
export async function existingIds(store: StateStore, ec2Ids: string[]): Promise<Set<string>> {
  const mapped = await uuidsOf(store, ec2Ids);
  const unmapped = ec2Ids.filter((id) => !mapped.has(id));
  const objects = await store.getMany(unmapped.map((id) => `obj#${id}`));
  return new Set([...mapped.keys(), ...unmapped.filter((id) => objects.has(`obj#${id}`))]);
}
