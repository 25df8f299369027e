import { Ec2Error } from '../../../lib/protocol/errors.js';

/** The Ec2Error a synchronous call throws; anything else it throws, or no throw at all, fails the test. */
export function errorOf(fn: () => unknown): Ec2Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Ec2Error) return e;
    throw e;
  }
  throw new Error('expected an Ec2Error');
}

/** 'accepted' when a synchronous check lets the value through, else the error code it throws. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code;
  }
}
