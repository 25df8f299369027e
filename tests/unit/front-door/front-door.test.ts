import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { InlineDispatcher } from '../../../lib/dispatch/dispatcher.js';
import { action, familyHandler, type FamilyRequest } from '../../../lib/family.js';
import { authFailure } from '../../../lib/protocol/errors.js';
import { handleEc2Request } from '../../../functions/ec2/front-door.js';
import { testCaller } from '../support/caller.js';

const caller = testCaller;

const received: FamilyRequest[] = [];
let ran = 0;
const family = familyHandler('instances', [
  action('DescribeRegions', async (input) => {
    ran++;
    return { Regions: (input.RegionNames ?? ['r1']).map((RegionName) => ({ RegionName })) };
  }),
  action(
    'CreateTags',
    async () => {
      ran++;
      return {};
    },
    {
      check: async (input) => {
        if (input.Resources.includes('i-00000000')) throw new Error('boom');
      },
    },
  ),
]);
const dispatcher = new InlineDispatcher(async () => async (request) => {
  received.push(request);
  return family(request);
});
const acceptAll = { authenticate: async () => caller };
const rejectAll = {
  authenticate: async () => {
    throw authFailure();
  },
};

const parser = new XMLParser();
const post = (body: string, deps = { authenticator: acceptAll, dispatcher }) =>
  handleEc2Request({ method: 'POST', path: '/', query: {}, headers: { host: 'h', 'content-type': 'application/x-www-form-urlencoded' }, body }, deps);

describe('front door', () => {
  it('routes an action to its family and writes the AWS response', async () => {
    const response = await post('Action=DescribeRegions&Version=2016-11-15&RegionName.1=RegionOne');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/xml');
    const doc = parser.parse(response.body);
    expect(doc.DescribeRegionsResponse.regionInfo.item.regionName).toBe('RegionOne');
    expect(doc.DescribeRegionsResponse.requestId).toBe(response.headers['x-amzn-requestid']);
    expect(received.at(-1)).toMatchObject({ action: 'DescribeRegions', context: { caller: { projectId: 'p' } } });
  });

  it('answers AuthFailure 401 before looking at the action', async () => {
    const response = await post('Action=NoSuchThing', { authenticator: rejectAll, dispatcher });
    expect(response.statusCode).toBe(401);
    expect(parser.parse(response.body).Response.Errors.Error.Code).toBe('AuthFailure');
  });

  it('answers InvalidAction, MissingParameter, UnknownParameter with 400', async () => {
    const cases: Array<[string, string]> = [
      ['Action=LaunchRockets', 'InvalidAction'],
      ['Version=2016-11-15', 'MissingParameter'],
      ['Action=CreateTags&Tag.1.Key=a', 'MissingParameter'],
      ['Action=DescribeRegions&Colour=blue', 'UnknownParameter'],
      ['Action=DescribeRegions&DryRun=perhaps', 'InvalidParameterValue'],
    ];
    for (const [body, code] of cases) {
      const response = await post(body);
      expect(response.statusCode, body).toBe(400);
      expect(parser.parse(response.body).Response.Errors.Error.Code, body).toBe(code);
    }
  });

  it('answers DryRunOperation 412 without running the action, after its checks', async () => {
    const before = ran;
    const response = await post('Action=CreateTags&ResourceId.1=i-0123456789abcdef0&Tag.1.Key=a&DryRun=true');
    expect(response.statusCode).toBe(412);
    expect(parser.parse(response.body).Response.Errors.Error.Code).toBe('DryRunOperation');
    expect(ran).toBe(before);
  });

  it('hides unexpected failures behind InternalError 500', async () => {
    const response = await post('Action=CreateTags&ResourceId.1=i-00000000&Tag.1.Key=a');
    expect(response.statusCode).toBe(500);
    const error = parser.parse(response.body).Response.Errors.Error;
    expect(error.Code).toBe('InternalError');
    expect(error.Message).not.toContain('boom');
  });

  it('answers UnsupportedOperation for an action its family does not serve', async () => {
    const response = await post('Action=DescribeInstanceTypes');
    expect(response.statusCode).toBe(400);
    expect(parser.parse(response.body).Response.Errors.Error.Code).toBe('UnsupportedOperation');
  });
});
