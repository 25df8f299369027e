/** TagSpecification of a create action: every spec must name the resource type being created. */
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import { validateTags, type Tag } from '../../lib/store/tags.js';
import type { TagSpecification } from '../../schemas/types.js';

export function tagsFromSpecs(specs: TagSpecification[] | undefined, resourceType: 'volume' | 'snapshot'): Tag[] {
  const tags: Tag[] = [];
  for (const spec of specs ?? []) {
    if (!spec.ResourceType) throw invalidParameterValue('A TagSpecification must name its ResourceType');
    if (spec.ResourceType !== resourceType) {
      throw invalidParameterValue(`'${spec.ResourceType}' is not a valid taggable resource type for this operation.`);
    }
    tags.push(...validateTags(spec.Tags ?? []));
  }
  const keys = new Set<string>();
  for (const tag of tags) {
    if (keys.has(tag.Key)) throw invalidParameterValue(`Duplicate tag key '${tag.Key}' in the tag specification`);
    keys.add(tag.Key);
  }
  return tags;
}

/** The Name tag, which also names the Cinder resource so operators recognise it. */
export const nameTag = (tags: Tag[]) => tags.find((t) => t.Key === 'Name')?.Value;
