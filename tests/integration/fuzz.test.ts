/**
 * Integration fuzz (issue 16): a few thousand properly signed, malformed requests across every
 * action of the model, sent to the running endpoint by a project of the test's own (so whatever
 * appears in OpenStack or the table can only have come from these requests). Every answer must
 * be below 500 and a well-formed AWS document with a RequestID, and afterwards the project must
 * hold exactly what it held before: no server, volume, snapshot, image, port or key pair in
 * OpenStack, no record in the table (id mappings of resources a describe saw aside).
 *
 * EC2_FUZZ_COUNT and EC2_FUZZ_SEED change the run; the seed is printed so a failure can be
 * replayed. `scripts/fuzz-soak.ts` sends many more of the same requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownProject, type OwnProject } from './instances-fixtures.js';
import { endpointInfo } from './support/env.js';
import { fuzzRequests } from './support/fuzz-requests.js';
import { holdings, sendAll } from './support/fuzz-run.js';

const COUNT = Number(process.env['EC2_FUZZ_COUNT'] ?? 2000);
const SEED = Number(process.env['EC2_FUZZ_SEED'] ?? Date.now() % 1_000_000);
const CONCURRENCY = 4;

// The state table is read directly, configured as the server is (before anything reads the configuration).
Object.assign(process.env, endpointInfo().serverEnv);

let project: OwnProject;

beforeAll(async () => {
  project = await ownProject('fuzz', { instances: 5, cores: 10, ram: 20480 });
});

afterAll(async () => {
  await project?.remove();
});

describe('integration fuzz', () => {
  it(`answers ${COUNT} signed malformed requests across every action below 500, as AWS XML, and creates nothing`, async () => {
    const requests = fuzzRequests(COUNT, SEED);
    console.log(`fuzz: ${requests.length} requests, seed ${SEED} (EC2_FUZZ_SEED=${SEED} replays them)`);
    const before = await holdings(project.os, project.projectId);
    const started = Date.now();
    const run = await sendAll(requests, project.ec2, CONCURRENCY);
    console.log(`fuzz: ${Math.round((Date.now() - started) / 1000)} s, statuses ${JSON.stringify(Object.fromEntries(run.statuses))}`);
    expect(run.problems.slice(0, 20)).toEqual([]);
    expect(run.sent).toBe(requests.length);
    expect(await holdings(project.os, project.projectId)).toEqual(before);
    // The run must have gone past the parser: the actions' own checks answered too (DryRun, NotFound…).
    expect(run.codes.get('DryRunOperation') ?? 0).toBeGreaterThan(0);
    expect([...run.codes.keys()].filter((c) => c.includes('.NotFound') || c.includes('.Malformed')).length).toBeGreaterThan(0);
  });
});
