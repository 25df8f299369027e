/**
 * Child process of request-guard.test.ts: a family whose action leaves a rejection unhandled (the
 * pattern that crashed the endpoint), called twice through the Lambda entry point. Prints each
 * answer as a JSON line; the process must survive to print both and exit 0.
 */
import { action, familyHandler } from '../../../lib/family.js';
import { familyEntryPoints } from '../../../lib/family-entry.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const crashing = action('DescribeRegions', async () => {
  // Started early, awaited late: rejects while the action awaits something else.
  const regionsP = (async () => {
    await sleep(5);
    throw new Error('Glance answered 401');
  })();
  await sleep(200);
  return { Regions: (await regionsP) as never };
});
const healthy = action('DescribeAvailabilityZones', async () => ({ AvailabilityZones: [{ ZoneName: 'nova' }] }));

const { handler } = familyEntryPoints(familyHandler('test', [crashing, healthy]));
const caller = { projectId: 'p', userId: 'u', token: 't', catalog: [] };
const context = (requestId: string) => ({ requestId, caller }) as never;

const [failed, served] = await Promise.all([
  handler({ action: 'DescribeRegions', params: {}, context: context('r-crash') }),
  sleep(50).then(() => handler({ action: 'DescribeAvailabilityZones', params: {}, context: context('r-fine') })),
]);
console.log(JSON.stringify({ answer: 'crashing', ...failed }));
console.log(JSON.stringify({ answer: 'healthy', ...served }));
const after = await handler({ action: 'DescribeAvailabilityZones', params: {}, context: context('r-after') });
console.log(JSON.stringify({ answer: 'after', ...after }));
