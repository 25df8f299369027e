/** The families, loaded in-process for EC2_DISPATCH=inline. */
import type { FamilyHandler } from '../../lib/family.js';

const loaders: Record<string, () => Promise<{ handle: FamilyHandler }>> = {
  instances: () => import('../instances/family.js'),
  volumes: () => import('../volumes/family.js'),
  vpc: () => import('../vpc/family.js'),
  images: () => import('../images/family.js'),
};

export async function loadFamily(family: string): Promise<FamilyHandler> {
  const load = loaders[family];
  if (!load) throw new Error(`no family named ${family}`);
  return (await load()).handle;
}
