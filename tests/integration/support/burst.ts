/**
 * An HTCondor-style burst, the way the EC2 GAHP drives a cloud: many jobs, a fixed number of
 * concurrent clients, each job RunInstances with a ClientToken, DescribeInstances polling until the
 * instance runs, then TerminateInstances. Records every error a job met (a job goes on with its
 * next step where it can, as the GAHP retries), so a test or a script can count them by code.
 */
import { DescribeInstancesCommand, RunInstancesCommand, TerminateInstancesCommand, type _InstanceType, type EC2Client } from '@aws-sdk/client-ec2';

export interface BurstOptions {
  jobs: number;
  clients: number;
  /** One client per concurrent worker (each its own connections and signing, like separate GAHPs). */
  client: (worker: number) => EC2Client;
  imageId: string;
  subnetId: string;
  instanceType: _InstanceType;
  /** Names the instances (Name tag) and client tokens. */
  prefix: string;
  /** How long a job polls for `running` before it terminates anyway. */
  pollMs?: number;
}

export interface BurstError {
  job: number;
  step: 'run' | 'describe' | 'terminate';
  code: string;
  status: number | undefined;
  message: string;
}

export interface BurstResult {
  instanceIds: string[];
  errors: BurstError[];
  /** Requests made, by step. */
  calls: Record<BurstError['step'], number>;
  ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runBurst(options: BurstOptions): Promise<BurstResult> {
  const started = Date.now();
  const result: BurstResult = { instanceIds: [], errors: [], calls: { run: 0, describe: 0, terminate: 0 }, ms: 0 };
  let next = 0;
  const attempt = async <T>(job: number, step: BurstError['step'], call: () => Promise<T>): Promise<T | undefined> => {
    result.calls[step]++;
    try {
      return await call();
    } catch (error) {
      const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      result.errors.push({ job, step, code: e.Code ?? e.name ?? 'Error', status: e.$metadata?.httpStatusCode, message: String(e.message).slice(0, 200) });
      return undefined;
    }
  };
  const job = async (ec2: EC2Client, n: number) => {
    const token = `${options.prefix}-${n}`;
    const run = () =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: options.imageId,
          InstanceType: options.instanceType,
          MinCount: 1,
          MaxCount: 1,
          SubnetId: options.subnetId,
          ClientToken: token,
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: token }] }],
        }),
      );
    // The GAHP repeats a launch with the same ClientToken until it gets an answer.
    let id: string | undefined;
    for (let i = 0; i < 3 && !id; i++) id = (await attempt(n, 'run', run))?.Instances?.[0]?.InstanceId;
    if (!id) return;
    result.instanceIds.push(id);
    const deadline = Date.now() + (options.pollMs ?? 90_000);
    while (Date.now() < deadline) {
      const described = await attempt(n, 'describe', () => ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })));
      const state = described?.Reservations?.[0]?.Instances?.[0]?.State?.Name;
      if (state === 'running') break;
      await sleep(2000);
    }
    for (let i = 0; i < 3; i++) {
      if (await attempt(n, 'terminate', () => ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })))) break;
    }
  };
  await Promise.all(
    Array.from({ length: options.clients }, async (_, worker) => {
      const ec2 = options.client(worker);
      for (let n = next++; n < options.jobs; n = next++) await job(ec2, n);
    }),
  );
  result.ms = Date.now() - started;
  return result;
}
