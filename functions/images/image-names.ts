/** AMI names and descriptions: EC2's rules, and uniqueness per owner. */
import type { ActionContext } from '../../lib/context.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { listImages } from '../../lib/openstack/glance.js';
import type { ServiceClient } from '../../lib/openstack/http.js';
import { Ec2Error, invalidParameterValue } from '../../lib/protocol/errors.js';
import { validateTags, type Tag } from '../../lib/store/tags.js';
import type { TagSpecification } from '../../schemas/types.js';

const NAME = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;

export function checkImageName(name: string | undefined): string {
  if (name === undefined || name === '') throw new Ec2Error('MissingParameter', 'The request must contain the parameter Name');
  if (!NAME.test(name)) {
    throw new Ec2Error(
      'InvalidAMIName.Malformed',
      `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '[', ']', ' ', '.', '/', '-', ''', '@' and '_': ${name}`,
    );
  }
  return name;
}

export function checkDescription(description: string | undefined): void {
  if (description !== undefined && [...description].length > 255) {
    throw invalidParameterValue('AMI descriptions may be at most 255 characters long');
  }
}

/** EC2 refuses a second image of the same name in one account. */
export async function checkNameFree(ctx: ActionContext, glance: ServiceClient, name: string): Promise<void> {
  if (/["\\]/.test(name)) return;
  const same = await mapErrors(() => listImages(glance, { owner: ctx.caller.projectId, name: `eq:${name}`, visibility: 'all', limit: 1 }));
  const hidden = await mapErrors(() => listImages(glance, { owner: ctx.caller.projectId, name: `eq:${name}`, visibility: 'all', os_hidden: true, limit: 1 }));
  if (same.length || hidden.length) throw new Ec2Error('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI`);
}

/** Tags for the new image and for the snapshots made with it, from TagSpecification.N. */
export function tagsFromSpecs(specs: TagSpecification[] | undefined, allowed: Array<'image' | 'snapshot'>): { image: Tag[]; snapshot: Tag[] } {
  const out = { image: [] as Tag[], snapshot: [] as Tag[] };
  for (const spec of specs ?? []) {
    const type = spec.ResourceType as 'image' | 'snapshot' | undefined;
    if (!type) throw invalidParameterValue('A TagSpecification must name its ResourceType');
    if (!allowed.includes(type)) throw invalidParameterValue(`'${type}' is not a valid taggable resource type for this operation.`);
    const tags = validateTags(spec.Tags ?? []);
    const keys = new Set(out[type].map((t) => t.Key));
    for (const t of tags) {
      if (keys.has(t.Key)) throw invalidParameterValue(`Duplicate tag key '${t.Key}' in the tag specification`);
      keys.add(t.Key);
    }
    out[type].push(...tags);
  }
  return out;
}
