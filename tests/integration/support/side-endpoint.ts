/**
 * A second endpoint beside the shared one, for tests that need other settings (bundle registration,
 * OpenStack endpoints pointed at a fault proxy): its own run directory, build directory, ports and
 * table, on the same local OpenStack. Started and stopped by the test, so the shared endpoint is never
 * restarted under other tests (README: side-by-side endpoints).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EC2Client } from '@aws-sdk/client-ec2';
import { repo, runDir, stateDir, type EndpointInfo } from './env.js';

const run = promisify(execFile);

export interface SideEndpointOptions {
  /** Names its run and build directories. */
  name: string;
  /** In 3900–3999 (HTTP; the Lambda API listens on the next port but one) and 8900–8999 (table). */
  httpPort: number;
  tablePort: number;
  /** Settings of this endpoint's functions. */
  env?: Record<string, string>;
}

export interface SideEndpoint {
  info: EndpointInfo;
  runDir: string;
  /** An SDK client of a project; `maxAttempts` 1 shows every failure as the client gets it. */
  client(project?: 'demo' | 'alt', maxAttempts?: number): EC2Client;
  /** Lines of its serverless-offline log (functions' own logs included). */
  log(): string;
  stop(): Promise<void>;
}

/** Settings the shared endpoint derived from its own ports: each endpoint derives its own. */
const DERIVED = ['EC2_ENDPOINT', 'EC2_LAMBDA_ENDPOINT', 'EC2_TABLE_ENDPOINT'];

/** The run directory of the side endpoint `name` (for helpers it needs started first, e.g. S3). */
export const sideRunDirOf = (name: string) => join(runDir, `side-${name}`);

export async function startSideEndpoint(options: SideEndpointOptions): Promise<SideEndpoint> {
  const sideRunDir = sideRunDirOf(options.name);
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !DERIVED.includes(k))),
    EC2_RUN_DIR: sideRunDir,
    EC2OS_STATE_DIR: stateDir,
    EC2_BUILD_DIR: `.esbuild-side-${options.name}`,
    EC2_HTTP_PORT: String(options.httpPort),
    EC2_LAMBDA_PORT: String(options.httpPort + 2),
    EC2_TABLE_PORT: String(options.tablePort),
    ...options.env,
  };
  const stop = async () => {
    await run('bash', ['-c', 'source local/common.sh; stop_bg offline; stop_bg table'], { cwd: repo, env });
  };
  try {
    await run('bash', [join(repo, 'local/start.sh'), '--quiet'], { cwd: repo, env, timeout: 600_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  const info = JSON.parse(readFileSync(join(sideRunDir, 'endpoint.json'), 'utf8')) as EndpointInfo;
  return {
    info,
    runDir: sideRunDir,
    client(project = 'demo', maxAttempts = 3) {
      const p = info.profiles.find((x) => x.projectName === project)!;
      return new EC2Client({
        endpoint: info.endpoint,
        region: info.region,
        credentials: { accessKeyId: p.ec2.access, secretAccessKey: p.ec2.secret },
        maxAttempts,
      });
    },
    log: () => readFileSync(join(sideRunDir, 'logs/offline.log'), 'utf8'),
    stop,
  };
}
