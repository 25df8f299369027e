/**
 * ModifyInstanceAttribute: one attribute per request, as AWS requires.
 * - instanceType: Nova resize (the instance must be stopped, as on AWS), confirmed when Nova is
 *   ready (here if it is quick, else at the next look at the instance);
 * - userData: the launch record, which the metadata function serves (Nova can change its own
 *   copy only by rebuilding the server); stopped instances only, as on AWS;
 * - disableApiTermination, disableApiStop, instanceInitiatedShutdownBehavior: the launch record;
 * - groupSet, sourceDestCheck: the instance's port in Neutron;
 * - blockDeviceMapping: delete-on-termination of attached volumes (Nova 2.85);
 * - kernel, ramdisk and the hardware flags cannot be changed in OpenStack.
 */
import { action } from '../../lib/family.js';
import type { ActionContext } from '../../lib/context.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { flavorByName } from '../../lib/openstack/nova-flavors.js';
import { confirmResize, getServer, resizeServer, setDeleteOnTermination, supports, volumeAttachments } from '../../lib/openstack/nova.js';
import { Ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter } from '../../lib/protocol/errors.js';
import { ID_ERRORS } from '../../lib/store/id-errors.js';
import { ID_PREFIXES, requireUuids } from '../../lib/store/ids.js';
import type { ModifyInstanceAttributeRequest } from '../../schemas/types.js';
import { setGroups, setSourceDestCheck, onlyPort } from './instance-attributes.js';
import { findInstance, isTerminated, saveLaunch, viewOf, type InstanceTarget } from './instance-lookup.js';
import { diskOf } from '../../lib/domain/instances/instance-model.js';
import { stateNameOf } from '../../lib/domain/instances/instance-state.js';
import { waitFor } from '../../lib/wait.js';

type Change =
  | { kind: 'instanceType'; value: string }
  | { kind: 'userData'; value: Buffer }
  | { kind: 'disableApiTermination' | 'disableApiStop' | 'sourceDestCheck' | 'ebsOptimized' | 'enaSupport'; value: boolean }
  | { kind: 'instanceInitiatedShutdownBehavior'; value: string }
  | { kind: 'groupSet'; value: string[] }
  | { kind: 'blockDeviceMapping'; value: NonNullable<ModifyInstanceAttributeRequest['BlockDeviceMappings']> }
  | { kind: 'unsupported'; name: string };

const bool = (name: string, value: string): boolean => {
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw invalidParameterValue(`Value (${value}) for parameter ${name} is invalid. Expected: 'boolean'.`);
};

/** The one change asked for, from the typed fields or the generic Attribute/Value pair. */
function changeOf(input: ModifyInstanceAttributeRequest): Change {
  const given: Change[] = [];
  if (input.InstanceType) given.push({ kind: 'instanceType', value: input.InstanceType.Value ?? '' });
  if (input.UserData) given.push({ kind: 'userData', value: Buffer.from(input.UserData.Value ?? new Uint8Array()) });
  if (input.DisableApiTermination) given.push({ kind: 'disableApiTermination', value: input.DisableApiTermination.Value ?? false });
  if (input.DisableApiStop) given.push({ kind: 'disableApiStop', value: input.DisableApiStop.Value ?? false });
  if (input.SourceDestCheck) given.push({ kind: 'sourceDestCheck', value: input.SourceDestCheck.Value ?? true });
  if (input.InstanceInitiatedShutdownBehavior) {
    given.push({ kind: 'instanceInitiatedShutdownBehavior', value: input.InstanceInitiatedShutdownBehavior.Value ?? '' });
  }
  if (input.Groups?.length) given.push({ kind: 'groupSet', value: input.Groups });
  if (input.BlockDeviceMappings?.length) given.push({ kind: 'blockDeviceMapping', value: input.BlockDeviceMappings });
  if (input.EbsOptimized) given.push({ kind: 'ebsOptimized', value: input.EbsOptimized.Value ?? false });
  if (input.EnaSupport) given.push({ kind: 'enaSupport', value: input.EnaSupport.Value ?? true });
  if (input.Kernel) given.push({ kind: 'unsupported', name: 'kernel' });
  if (input.Ramdisk) given.push({ kind: 'unsupported', name: 'ramdisk' });
  if (input.SriovNetSupport) given.push({ kind: 'unsupported', name: 'sriovNetSupport' });
  if (input.Attribute) {
    const value = input.Value;
    if (value === undefined) throw missingParameter('Value');
    switch (input.Attribute) {
      case 'instanceType':
        given.push({ kind: 'instanceType', value });
        break;
      case 'userData':
        given.push({ kind: 'userData', value: Buffer.from(value, 'base64') });
        break;
      case 'disableApiTermination':
      case 'disableApiStop':
      case 'sourceDestCheck':
      case 'ebsOptimized':
      case 'enaSupport':
        given.push({ kind: input.Attribute, value: bool(input.Attribute, value) });
        break;
      case 'instanceInitiatedShutdownBehavior':
        given.push({ kind: 'instanceInitiatedShutdownBehavior', value });
        break;
      case 'groupSet':
        given.push({ kind: 'groupSet', value: [value] });
        break;
      default:
        given.push({ kind: 'unsupported', name: input.Attribute });
    }
  }
  // AWS answers a request naming no attribute at all as a combination error.
  if (given.length === 0) throw invalidParameterCombination('No attributes specified.');
  if (given.length > 1) {
    throw invalidParameterCombination(`Fields for multiple attribute types specified: ${given.map((g) => ('name' in g ? g.name : g.kind)).join(', ')}`);
  }
  return given[0]!;
}

const mustBeStopped = (t: InstanceTarget) => {
  if (isTerminated(t) || stateNameOf(t.server) !== 'stopped') {
    throw new Ec2Error('IncorrectInstanceState', `The instance '${t.ec2Id}' is not in the 'stopped' state.`);
  }
};

/** Resizes and confirms when Nova is ready within a short while; else the next look confirms. */
async function resize(ctx: ActionContext, t: InstanceTarget, typeName: string): Promise<void> {
  if (t.server.flavor.original_name === typeName) return;
  const flavor = await mapErrors(() => flavorByName(ctx.openstack.nova, ctx.caller.projectId, typeName));
  if (!flavor) throw new Ec2Error('InvalidInstanceAttributeValue', `Invalid value '${typeName}' for InstanceType.`);
  await saveLaunch(ctx, t, { resizePending: true });
  await mapErrors(() => resizeServer(ctx.openstack.nova, t.serverId, flavor.id), {
    conflict: (m) => new Ec2Error('IncorrectInstanceState', m),
  });
  // Up to 30 s (40 looks, 750 ms apart); when Nova needs longer, the next look at the instance confirms.
  await waitFor(
    async (attempt) => {
      const server = await getServer(ctx.openstack.nova, t.serverId);
      if (server?.status === 'VERIFY_RESIZE') {
        await mapErrors(() => confirmResize(ctx.openstack.nova, t.serverId));
        await saveLaunch(ctx, t, { resizePending: undefined });
        return true;
      }
      const settled = server && !server['OS-EXT-STS:task_state'] && server.status !== 'RESIZE' && attempt > 3;
      if (server && (server.status === 'ERROR' || settled) && server.flavor.original_name !== typeName) {
        // Nova gave up (typically no host with room for the new size): nothing to confirm.
        await saveLaunch(ctx, t, { resizePending: undefined });
        throw new Ec2Error(
          'InsufficientInstanceCapacity',
          `The instance could not be resized to ${typeName}${server.fault?.message ? `: ${server.fault.message}` : ''}.`,
        );
      }
      return undefined;
    },
    { timeoutMs: 40 * 750, intervalMs: 750, pauseFirst: true },
  );
}

async function blockDeviceMapping(ctx: ActionContext, t: InstanceTarget, mappings: NonNullable<ModifyInstanceAttributeRequest['BlockDeviceMappings']>) {
  if (!(await supports(ctx.openstack.nova, '2.85'))) {
    throw new Ec2Error('UnsupportedOperation', 'Changing delete-on-termination needs Nova API microversion 2.85, which this cloud lacks.');
  }
  const attachments = await mapErrors(() => volumeAttachments(ctx.openstack.nova, t.serverId));
  const named = mappings.flatMap((m) => (m.Ebs?.VolumeId ? [m.Ebs.VolumeId] : []));
  const volumeUuids = named.length ? await requireUuids(ctx.store, named, ID_PREFIXES.volume, ID_ERRORS.volume) : new Map<string, string>();
  for (const m of mappings) {
    if (m.NoDevice !== undefined || m.VirtualName) throw new Ec2Error('UnsupportedOperation', 'Only Ebs.DeleteOnTermination of attached volumes can be changed.');
    if (!m.DeviceName) throw missingParameter('BlockDeviceMapping.DeviceName');
    const attachment = attachments.find((a) => a.device && diskOf(a.device) === diskOf(m.DeviceName!));
    const wantedVolume = m.Ebs?.VolumeId ? volumeUuids.get(m.Ebs.VolumeId) : undefined;
    if (!attachment || (wantedVolume && attachment.volumeId !== wantedVolume)) {
      throw new Ec2Error('InvalidInstanceAttributeValue', `No device is currently mapped at ${m.DeviceName}`);
    }
    if (m.Ebs?.DeleteOnTermination === undefined) continue;
    await mapErrors(() => setDeleteOnTermination(ctx.openstack.nova, t.serverId, attachment.volumeId, m.Ebs!.DeleteOnTermination!));
    // A choice made now replaces the one made at launch.
    const keep = (t.launch.pending?.keepVolumes ?? []).filter((d) => diskOf(d) !== diskOf(m.DeviceName!));
    if (t.launch.pending?.keepVolumes) await saveLaunch(ctx, t, { pending: { ...t.launch.pending, keepVolumes: keep } });
  }
}

async function apply(ctx: ActionContext, t: InstanceTarget, change: Change): Promise<void> {
  switch (change.kind) {
    case 'instanceType':
      mustBeStopped(t);
      return resize(ctx, t, change.value);
    case 'userData':
      mustBeStopped(t);
      if (change.value.length > 16 * 1024) throw invalidParameterValue('User data is limited to 16384 bytes.');
      await saveLaunch(ctx, t, { userData: change.value.length ? change.value.toString('base64') : undefined });
      return;
    case 'disableApiTermination':
      await saveLaunch(ctx, t, { disableApiTermination: change.value });
      return;
    case 'disableApiStop':
      await saveLaunch(ctx, t, { disableApiStop: change.value });
      return;
    case 'instanceInitiatedShutdownBehavior':
      if (change.value !== 'stop' && change.value !== 'terminate') {
        throw invalidParameterValue(`Value (${change.value}) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values: stop, terminate`);
      }
      await saveLaunch(ctx, t, { shutdownBehavior: change.value });
      return;
    case 'sourceDestCheck':
      return setSourceDestCheck(ctx, await viewOf(ctx, t), change.value);
    case 'groupSet': {
      const uuids = await requireUuids(ctx.store, change.value, ID_PREFIXES['security-group'], ID_ERRORS['security-group']);
      const view = await viewOf(ctx, t);
      onlyPort(view);
      return setGroups(ctx, view, change.value.map((id) => uuids.get(id)!));
    }
    case 'blockDeviceMapping':
      return blockDeviceMapping(ctx, t, change.value);
    case 'ebsOptimized':
      if (change.value) throw new Ec2Error('UnsupportedOperation', 'EBS optimization is not configurable on this cloud.');
      return;
    case 'enaSupport':
      if (!change.value) throw new Ec2Error('UnsupportedOperation', 'Enhanced networking is not configurable on this cloud.');
      return;
    case 'unsupported':
      throw new Ec2Error('UnsupportedOperation', `The ${change.name} attribute cannot be changed on this cloud.`);
  }
}

export default action(
  'ModifyInstanceAttribute',
  async (input, ctx) => {
    const target = await findInstance(ctx, input.InstanceId);
    if (isTerminated(target)) throw new Ec2Error('IncorrectInstanceState', `The instance '${target.ec2Id}' is terminated.`);
    await apply(ctx, target, changeOf(input));
    return {};
  },
  {
    check: async (input, ctx) => {
      changeOf(input);
      await findInstance(ctx, input.InstanceId);
    },
  },
);
