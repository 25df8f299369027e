/** The query parameter paths an action takes, from the EC2 model: for fuzzers that need real names. */
import { model, shape } from '../../../lib/protocol/model.js';

/** `Filter.1.Value.1`, `Placement.AvailabilityZone`… a few levels deep, lists at index 1. */
export function pathsOf(shapeName: string | undefined, prefix = '', depth = 0): string[] {
  if (!shapeName || depth > 4) return [];
  const s = shape(shapeName);
  if (s.type === 'list') return pathsOf(s.member!.shape, `${prefix}.1`, depth + 1).concat(prefix ? [`${prefix}.1`] : []);
  if (s.type === 'map') return [`${prefix}.1.Key`, `${prefix}.1.Value`];
  if (s.type !== 'structure') return prefix ? [prefix] : [];
  return Object.entries(s.members ?? {}).flatMap(([name, m]) => {
    const query = m.queryName ?? (m.locationName ? m.locationName.charAt(0).toUpperCase() + m.locationName.slice(1) : name);
    const path = prefix ? `${prefix}.${query}` : query;
    return pathsOf(m.shape, path, depth + 1).concat([path]);
  });
}

export const actionNames = () => Object.keys(model.operations);

/** Every parameter path of every action, de-duplicated. */
export const pathsByAction = (): Map<string, string[]> =>
  new Map(actionNames().map((a) => [a, [...new Set(pathsOf(model.operations[a]!.input))]]));

/** Whether an action's input has a DryRun member (what makes a mutating call side-effect free). */
export const takesDryRun = (action: string) => {
  const input = model.operations[action]!.input;
  return Boolean(input && shape(input).members?.['DryRun']);
};
