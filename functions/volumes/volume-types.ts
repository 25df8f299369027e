/**
 * EC2 volume types on Cinder volume types. AWS's names (gp2, gp3, standard…) run on the cloud's
 * default Cinder type unless the operator made a Cinder type of that very name; any Cinder type
 * the project can see may also be asked for by its own name. Volumes on the default type report
 * the EC2 type they were created with (gp2, AWS's default, when unknown).
 */
import type { ActionContext } from '../../lib/context.js';
import { defaultVolumeType, listVolumeTypes, type CinderVolumeType } from '../../lib/openstack/cinder.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { invalidParameterValue } from '../../lib/protocol/errors.js';
import { RefreshingCache } from '../../lib/openstack/refreshing-cache.js';

export const EC2_VOLUME_TYPES = ['standard', 'gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1'] as const;
export const DEFAULT_EC2_VOLUME_TYPE = 'gp2';

const isEc2Type = (name: string) => (EC2_VOLUME_TYPES as readonly string[]).includes(name);

export interface CinderTypes {
  types: CinderVolumeType[];
  defaultName: string | undefined;
}

/** Volume types change rarely: fresh for a minute, served for ten more while a refresh runs behind. */
const typesOf = new RefreshingCache<CinderTypes>({ freshMs: 60_000, staleMs: 600_000, maxEntries: 500 });

export function cinderTypes(ctx: ActionContext): Promise<CinderTypes> {
  return typesOf.get(ctx.caller.projectId, async () => {
    const [types, fallback] = await mapErrors(() =>
      Promise.all([
        listVolumeTypes(ctx.openstack.cinder),
        // Some clouds have no default type configured (404): then there is nothing to compare.
        defaultVolumeType(ctx.openstack.cinder).catch(() => undefined),
      ]),
    );
    return { types, defaultName: fallback?.name };
  });
}

export interface ResolvedType {
  /** The Cinder type to ask for; undefined lets Cinder pick its default. */
  cinderType: string | undefined;
  /** What DescribeVolumes will report. */
  ec2Type: string;
}

/** CreateVolume's VolumeType as a Cinder type, or AWS's InvalidParameterValue. */
export async function resolveVolumeType(ctx: ActionContext, requested: string | undefined): Promise<ResolvedType> {
  const name = requested ?? DEFAULT_EC2_VOLUME_TYPE;
  const { types } = await cinderTypes(ctx);
  if (types.some((t) => t.name === name)) return { cinderType: name, ec2Type: name };
  if (isEc2Type(name)) return { cinderType: undefined, ec2Type: name };
  const valid = [...EC2_VOLUME_TYPES, ...types.map((t) => t.name).filter((n) => !isEc2Type(n))];
  throw invalidParameterValue(`Value (${name}) for parameter volumeType is invalid. Valid values: ${valid.join(', ')}.`);
}

/** The EC2 type of a volume from its Cinder type and the EC2 type recorded when we created it. */
export function reportedVolumeType(cinderType: string | null, defaultName: string | undefined, recorded: string | undefined): string {
  if (cinderType && isEc2Type(cinderType)) return cinderType;
  if (!cinderType || cinderType === defaultName || cinderType === '__DEFAULT__') return recorded ?? DEFAULT_EC2_VOLUME_TYPE;
  return cinderType;
}
