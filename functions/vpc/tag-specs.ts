/** TagSpecification of a create action: every spec must name the resource type being created. */
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import { putTags, validateTags, type Tag } from '../../lib/store/tags.js';
import type { StateStore } from '../../lib/store/project-store.js';
import type { TagSpecification } from '../../schemas/types.js';

export type VpcTaggable =
  | 'vpc'
  | 'subnet'
  | 'route-table'
  | 'internet-gateway'
  | 'dhcp-options'
  | 'elastic-ip'
  | 'security-group'
  | 'security-group-rule'
  | 'customer-gateway'
  | 'vpn-gateway'
  | 'vpn-connection'
  | 'network-interface';

export function tagsFromSpecs(specs: TagSpecification[] | undefined, resourceType: VpcTaggable): Tag[] {
  const tags: Tag[] = [];
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== resourceType) {
      throw invalidParameterValue(`'${spec.ResourceType ?? ''}' is not a valid taggable resource type for this operation.`);
    }
    tags.push(...validateTags(spec.Tags ?? []));
  }
  if (new Set(tags.map((t) => t.Key)).size !== tags.length) throw invalidParameterValue('Duplicate tag key in the tag specification');
  return tags;
}

export async function tagNew(store: StateStore, ec2Id: string, tags: Tag[]): Promise<void> {
  if (tags.length) await putTags(store, [ec2Id], tags);
}
