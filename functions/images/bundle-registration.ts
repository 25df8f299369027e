/** Registration of S3 bundles (placeholder until the bundle pipeline lands). */
import type { ActionContext } from '../../lib/context.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import type { NovaBdm } from './image-model.js';

export const isBundleLocation = (location: string) => /^(s3:\/\/)?[^/\s]+\/.+\.xml$/i.test(location);

export async function registerBundle(
  _ctx: ActionContext,
  _location: string,
  _options: { name: string; props: Record<string, string>; extra: NovaBdm[] },
): Promise<string> {
  throw new Ec2Error('UnsupportedOperation', 'Registering S3 bundles is not configured on this cloud.');
}
