/**
 * DescribeInstanceAttribute: one attribute of an instance, from the same view DescribeInstances
 * shows, the launch record (user data, termination protection, shutdown behaviour) and the
 * instance's port (groups, source/destination check).
 */
import { action } from '../../lib/family.js';
import type { InstanceAttribute } from '../../schemas/types.js';
import { findInstance, viewOf } from './instance-lookup.js';

export default action('DescribeInstanceAttribute', async (input, ctx) => {
  const target = await findInstance(ctx, input.InstanceId);
  const out: InstanceAttribute = { InstanceId: target.ec2Id };
  const { launch, server } = target;
  switch (input.Attribute) {
    case 'userData': {
      // What was given at launch (or set since); Nova's own copy is readable only by admins.
      const data = launch.userData ?? server['OS-EXT-SRV-ATTR:user_data'] ?? undefined;
      out.UserData = data ? { Value: data } : {};
      return out;
    }
    case 'disableApiTermination':
      out.DisableApiTermination = { Value: launch.disableApiTermination ?? false };
      return out;
    case 'disableApiStop':
      out.DisableApiStop = { Value: launch.disableApiStop ?? false };
      return out;
    case 'instanceInitiatedShutdownBehavior':
      out.InstanceInitiatedShutdownBehavior = { Value: launch.shutdownBehavior ?? 'stop' };
      return out;
    case 'productCodes':
      out.ProductCodes = [];
      return out;
    case 'ebsOptimized':
      out.EbsOptimized = { Value: false };
      return out;
    case 'enaSupport':
      out.EnaSupport = { Value: true };
      return out;
    case 'sriovNetSupport':
      out.SriovNetSupport = {};
      return out;
    case 'enclaveOptions':
      out.EnclaveOptions = { Enabled: false };
      return out;
    default:
      break;
  }
  const { instance } = await viewOf(ctx, target);
  switch (input.Attribute) {
    case 'instanceType':
      out.InstanceType = { Value: instance.InstanceType };
      break;
    case 'kernel':
      out.KernelId = instance.KernelId ? { Value: instance.KernelId } : {};
      break;
    case 'ramdisk':
      out.RamdiskId = instance.RamdiskId ? { Value: instance.RamdiskId } : {};
      break;
    case 'rootDeviceName':
      out.RootDeviceName = { Value: instance.RootDeviceName };
      break;
    case 'blockDeviceMapping':
      out.BlockDeviceMappings = instance.BlockDeviceMappings ?? [];
      break;
    case 'sourceDestCheck':
      out.SourceDestCheck = { Value: instance.SourceDestCheck ?? true };
      break;
    case 'groupSet':
      out.Groups = instance.SecurityGroups ?? [];
      break;
  }
  return out;
});
