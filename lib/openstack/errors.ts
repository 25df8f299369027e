/**
 * OpenStack failures as EC2 errors, in one place. Actions pass the codes that only they know
 * (which NotFound, which quota code); everything else maps the same way for every action.
 */
import { Ec2Error, serviceUnavailable, unauthorizedOperation } from '../protocol/errors.js';
import { OpenStackError, OpenStackUnavailable } from './http.js';

export interface ErrorOverrides {
  /** For a 404 from OpenStack: the EC2 error to answer. */
  notFound?: () => Ec2Error;
  /** For a quota refusal (Nova 403/413 "Quota exceeded", Cinder 413, Neutron OverQuota). */
  quota?: (message: string) => Ec2Error;
  /** For a 409 conflict (wrong state). */
  conflict?: (message: string) => Ec2Error;
}

const QUOTA = /quota|overlimit|over limit|limit exceeded/i;

export function isQuotaError(error: OpenStackError): boolean {
  return (
    error.status === 413 ||
    (error.status === 403 && QUOTA.test(error.message)) ||
    (error.status === 409 && (error.type === 'OverQuota' || QUOTA.test(error.message))) ||
    error.type === 'OverQuota'
  );
}

export function toEc2Error(error: unknown, overrides: ErrorOverrides = {}): unknown {
  if (error instanceof Ec2Error) return error;
  if (error instanceof OpenStackUnavailable) return serviceUnavailable(`${error.message}. Try again later.`);
  if (!(error instanceof OpenStackError)) return error;
  if (isQuotaError(error) && overrides.quota) return overrides.quota(error.message);
  switch (error.status) {
    case 400:
      return new Ec2Error('InvalidParameterValue', error.message);
    case 401:
      // The front door has just verified the caller's credential and obtained this token: a service
      // refusing it is the cloud's failure (Keystone under load, a token revoked meanwhile), not a
      // bad credential. A retry gets a fresh check; a credential really gone fails there as AuthFailure.
      return serviceUnavailable(`${error.service} did not accept this request's session (401). Try again.`);
    case 403:
      return unauthorizedOperation(error.message);
    case 404:
      return overrides.notFound?.() ?? new Ec2Error('InvalidParameterValue', error.message);
    case 409:
      return overrides.conflict?.(error.message) ?? new Ec2Error('IncorrectState', error.message);
    case 413:
    case 429:
      return new Ec2Error('RequestLimitExceeded', error.message, 503);
    default:
      return serviceUnavailable(`${error.service} failed (${error.status}): ${error.message}`);
  }
}

/** Runs an OpenStack call, answering its failure as the EC2 error. */
export async function mapErrors<T>(call: () => Promise<T>, overrides: ErrorOverrides = {}): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toEc2Error(error, overrides);
  }
}
