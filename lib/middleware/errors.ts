/** Any failure as the EC2 error document AWS would send: mapped OpenStack faults, our Ec2Errors, InternalError. */
import { toEc2Error } from '../openstack/errors.js';
import { Ec2Error, internalError, type SerializedEc2Error } from '../protocol/errors.js';
import { requestScope } from '../log.js';
import { logUnexpected } from './common.js';

/** Any failure as the EC2 error to send; unexpected ones are logged and hidden behind InternalError. */
export function errorResponse(error: unknown): SerializedEc2Error {
  const mapped = toEc2Error(error);
  const serialized = mapped instanceof Ec2Error ? mapped.toJSON() : (logUnexpected(mapped), internalError().toJSON());
  const scope = requestScope();
  if (scope) scope.code = serialized.code;
  return serialized;
}

/** A family's error answer, carried through the front door's chain to its error document. */
export class FamilyFailure extends Error {
  constructor(readonly serialized: SerializedEc2Error) {
    super(serialized.message);
    this.name = 'FamilyFailure';
  }
}
