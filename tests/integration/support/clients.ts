/**
 * The real EC2 clients the tests drive the endpoint with: @aws-sdk/client-ec2, Debian's aws cli v2
 * (/usr/bin/aws) and Debian's boto3 (/usr/bin/python3), each signed with a project's EC2 credential.
 */
import { spawnSync } from 'node:child_process';
import { EC2Client } from '@aws-sdk/client-ec2';
import { endpointInfo, profileOf } from './env.js';

export function ec2Client(project: 'demo' | 'alt' = 'demo', overrides: { secret?: string } = {}): EC2Client {
  const info = endpointInfo();
  const p = profileOf(project);
  return new EC2Client({
    endpoint: info.endpoint,
    region: info.region,
    credentials: { accessKeyId: p.ec2.access, secretAccessKey: overrides.secret ?? p.ec2.secret },
    // The SDK's standard retries: a reused keep-alive socket the local gateway just closed is retried
    // as a real client would.
    maxAttempts: 3,
  });
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (aws cli with --output json); undefined when empty. */
  json: unknown;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): CliResult {
  const result = spawnSync(command, args, { env, input, encoding: 'utf8', timeout: 300_000 });
  if (result.error) throw result.error;
  const stdout = result.stdout ?? '';
  let json: unknown;
  try {
    json = stdout.trim() ? JSON.parse(stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { status: result.status ?? -1, stdout, stderr: result.stderr ?? '', json };
}

function clientEnv(project: 'demo' | 'alt', secret?: string): NodeJS.ProcessEnv {
  const info = endpointInfo();
  const p = profileOf(project);
  return {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: process.env['HOME'] ?? '/root',
    AWS_ACCESS_KEY_ID: p.ec2.access,
    AWS_SECRET_ACCESS_KEY: secret ?? p.ec2.secret,
    AWS_DEFAULT_REGION: info.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    EC2_ENDPOINT: info.endpoint,
  };
}

/** `aws ec2 <args>` with Debian's aws cli v2 against our endpoint, JSON output. */
export function awsCli(args: string[], project: 'demo' | 'alt' = 'demo', options: { secret?: string; endpoint?: string } = {}): CliResult {
  const endpoint = options.endpoint ?? endpointInfo().endpoint;
  return run('/usr/bin/aws', ['--endpoint-url', endpoint, '--output', 'json', 'ec2', ...args], clientEnv(project, options.secret));
}

/**
 * Runs a Python snippet with Debian's boto3; `ec2` is a ready client for our endpoint. The snippet
 * prints its result as JSON on stdout.
 */
export function boto3(snippet: string, project: 'demo' | 'alt' = 'demo'): CliResult {
  const prelude = [
    'import json, os, sys, base64',
    'import boto3, botocore',
    "ec2 = boto3.client('ec2', endpoint_url=os.environ['EC2_ENDPOINT'], config=botocore.config.Config(retries={'max_attempts': 1}))",
    '',
  ].join('\n');
  return run('/usr/bin/python3', ['-'], clientEnv(project), prelude + snippet);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the clients and Neutron, checked by the assertions
export type Json = Record<string, any>;

/** A client run that must succeed: its JSON output. */
export const ok = (r: CliResult): Json => {
  if (r.status !== 0) throw new Error(`client failed (${r.status}): ${r.stderr}`);
  return r.json as Json;
};

/** The AWS error code a client printed (aws cli: "An error occurred (Code) when calling …"). */
export const cliError = (r: CliResult) => /\(([A-Za-z.]+)\)/.exec(r.stderr)?.[1];

/** The error code an SDK call was refused with, or 'accepted'. */
export const sdkError = (promise: Promise<unknown>) =>
  promise.then(() => 'accepted', (e: { name?: string; Code?: string }) => e.Code ?? e.name);
