/**
 * Integration tests run against the real thing: `local/start.sh` brings up (or finds running) the
 * local OpenStack, the state table and serverless-offline. If any of it cannot start, the run fails.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
  const started = Date.now();
  execFileSync('bash', [join(repo, 'local/start.sh'), '--quiet'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 30 * 60_000,
    env: process.env,
  });
  console.log(`local stack ready in ${Math.round((Date.now() - started) / 1000)} s`);
}
