/**
 * The deployable artifacts: per-function Lambda zips from serverless.yml, and OpenWhisk actions
 * from serverless.openwhisk.yml whose bundles answer OpenWhisk's web-action and invoke formats.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '../../..');
const bin = (name: string) => join(repo, 'node_modules/.bin', name);
const require = createRequire(import.meta.url);
// Its own build folder: packaging cleans it up, and a running local endpoint serves from `.esbuild`.
const run = (command: string, args: string[]) =>
  execFileSync(command, args, {
    cwd: repo,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', EC2_BUILD_DIR: '.esbuild-packaging' },
  });

describe('OpenWhisk actions', () => {
  beforeAll(() => {
    run(bin('tsx'), ['scripts/bundle-openwhisk.ts']);
  }, 240_000);

  it('the ec2 web action answers a raw-http request as AWS would (unsigned: 401)', async () => {
    const { main } = require(join(repo, '.openwhisk/ec2.js')) as { main: (p: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }> };
    const response = await main({
      __ow_method: 'post',
      __ow_headers: { host: 'openwhisk.test', 'content-type': 'application/x-www-form-urlencoded' },
      __ow_path: '',
      __ow_body: 'Action=DescribeRegions&Version=2016-11-15',
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('text/xml');
    expect(response.body).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('a family action takes its configuration from default parameters', async () => {
    const { main } = require(join(repo, '.openwhisk/instances.js')) as { main: (p: unknown) => Promise<unknown> };
    const response = await main({
      action: 'DescribeRegions',
      params: {},
      context: { requestId: 'r', caller: { accessKey: 'a', projectId: 'p', projectName: 'n', userId: 'u', userName: 'n', roles: [], token: 't', tokenExpiresAt: '', endpoints: {} } },
      EC2_REGION: 'whisk-region-1',
      EC2_ENDPOINT: 'https://ec2.whisk.test/',
    });
    expect(response).toEqual({ output: { Regions: [{ RegionName: 'whisk-region-1', Endpoint: 'https://ec2.whisk.test/', OptInStatus: 'opt-in-not-required' }] } });
  });

  it('serverless packages them for OpenWhisk', () => {
    rmSync(join(repo, '.serverless'), { recursive: true, force: true });
    run(bin('serverless'), ['package', '--config', 'serverless.openwhisk.yml']);
    expect(existsSync(join(repo, '.serverless/ec2-api.zip'))).toBe(true);
  }, 240_000);
});

describe('AWS Lambda', () => {
  it('serverless packages one bundle per function with the state table', () => {
    rmSync(join(repo, '.serverless'), { recursive: true, force: true });
    run(bin('serverless'), ['package', '--stage', 'packaging-test']);
    const zips = readdirSync(join(repo, '.serverless')).filter((f) => f.endsWith('.zip')).sort();
    expect(zips).toEqual(expect.arrayContaining(['ec2.zip', 'images.zip', 'instances.zip', 'volumes.zip', 'vpc.zip']));
    const template = require(join(repo, '.serverless/cloudformation-template-update-stack.json')) as { Resources: Record<string, { Type: string }> };
    expect(template.Resources['StateTable']?.Type).toBe('AWS::DynamoDB::Table');
    expect(template.Resources['InstancesLambdaFunction']?.Type).toBe('AWS::Lambda::Function');
    // The sweeper runs on a schedule (an EventBridge rule), with no HTTP route.
    expect(zips).toContain('sweeper.zip');
    const rules = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule');
    expect(rules.map(([name]) => name)).toEqual([expect.stringMatching(/^SweeperEventsRuleSchedule/)]);
  }, 240_000);
});
