import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('a rejection an action leaves unhandled', () => {
  // In a child process: Node's default for an unhandled rejection is to end the process, and the
  // test runner must not see the rejection as its own.
  it('fails that one request with InternalError, is logged, and the process keeps serving', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      resolve(ROOT, 'node_modules/.bin/tsx'),
      [resolve(ROOT, 'tests/unit/safety/unhandled-child.ts')],
      { cwd: ROOT, timeout: 30_000 },
    );
    const answers = Object.fromEntries(
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{"answer"'))
        .map((line) => JSON.parse(line) as { answer: string })
        .map(({ answer, ...rest }) => [answer, rest]),
    );
    expect(answers['crashing']).toEqual({ error: { code: 'InternalError', message: 'An internal error has occurred', status: 500 } });
    expect(answers['healthy']).toEqual({ output: { AvailabilityZones: [{ ZoneName: 'nova' }] } });
    expect(answers['after']).toEqual({ output: { AvailabilityZones: [{ ZoneName: 'nova' }] } });
    const logged = stderr.split('\n').filter((line) => line.includes('"unhandledRejection"')).map((line) => JSON.parse(line));
    expect(logged).toEqual([expect.objectContaining({ requestId: 'r-crash', error: expect.objectContaining({ message: 'Glance answered 401' }) })]);
  }, 40_000);
});
