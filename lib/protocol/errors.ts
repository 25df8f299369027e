/**
 * EC2 errors as AWS reports them: a code, a message and an HTTP status. Everything that reaches a
 * client as an error goes through Ec2Error; anything else is an internal error (500, message hidden).
 */

export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'Ec2Error';
  }

  toJSON(): SerializedEc2Error {
    return { code: this.code, message: this.message, status: this.status };
  }

  static fromJSON(e: SerializedEc2Error): Ec2Error {
    return new Ec2Error(e.code, e.message, e.status);
  }
}

export interface SerializedEc2Error {
  code: string;
  message: string;
  status: number;
}

export const isEc2Error = (e: unknown): e is Ec2Error => e instanceof Ec2Error;

/** How much of a client's value an error message repeats. */
export const ECHO_MAX = 100;

/**
 * A client's value as an error message may repeat it: at most ECHO_MAX characters (then `…`), with
 * control characters written as `\u0000` escapes, since XML 1.0 cannot carry most of them at all and
 * SDKs fail to parse a document that does.
 */
export function echo(value: string): string {
  const chars = Array.from(value);
  const shown = chars.length > ECHO_MAX ? chars.slice(0, ECHO_MAX).join('') + '…' : value;
  return shown.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// Protocol-level errors shared by every action.
export const missingParameter = (name: string) =>
  new Ec2Error('MissingParameter', `The request must contain the parameter ${echo(name)}`);

export const unknownParameter = (name: string) =>
  new Ec2Error('UnknownParameter', `The parameter ${echo(name)} is not recognized`);

export const invalidParameterValue = (message: string) => new Ec2Error('InvalidParameterValue', message);

export const invalidValueFor = (name: string, value: string, expected?: string) =>
  invalidParameterValue(
    `Value (${echo(value)}) for parameter ${echo(name)} is invalid.${expected ? ` ${expected}` : ''}`,
  );

export const invalidParameterCombination = (message: string) =>
  new Ec2Error('InvalidParameterCombination', message);

export const invalidAction = (action: string) =>
  new Ec2Error('InvalidAction', `The action ${echo(action)} is not valid for this web service.`);

export const authFailure = (message = 'AWS was not able to validate the provided access credentials') =>
  new Ec2Error('AuthFailure', message, 401);

export const unauthorizedOperation = (message = 'You are not authorized to perform this operation.') =>
  new Ec2Error('UnauthorizedOperation', message, 403);

export const dryRunOperation = () =>
  new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);

export const invalidPaginationToken = (token: string) =>
  new Ec2Error('InvalidPaginationToken', `The pagination token '${echo(token)}' is not valid or is expired.`);

export const internalError = () =>
  new Ec2Error('InternalError', 'An internal error has occurred', 500);

export const serviceUnavailable = (message = 'The service is unavailable. Try again later.') =>
  new Ec2Error('Unavailable', message, 503);

export const requestLimitExceeded = (message = 'Request limit exceeded.') =>
  new Ec2Error('RequestLimitExceeded', message, 503);

export const notFound = (code: string, id: string, what: string) =>
  new Ec2Error(code, `The ${what} ID '${echo(id)}' does not exist`);

export const malformedId = (code: string, id: string, what: string) =>
  new Ec2Error(code, `Invalid id: "${echo(id)}" (expecting "${what}")`);
