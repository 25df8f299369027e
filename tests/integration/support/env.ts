/** Where the running endpoint is, and the projects (with EC2 credentials) the local stack made. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const runDir = process.env['EC2_RUN_DIR'] ?? join(repo, 'local/.run');
export const stateDir = process.env['EC2OS_STATE_DIR'] ?? join(runDir, 'openstack');

export interface Profile {
  profile: string;
  projectId: string;
  projectName: string;
  ec2: { access: string; secret: string };
}

export interface EndpointInfo {
  endpoint: string;
  metadataUrl: string;
  metadataSecret: string;
  region: string;
  profiles: Profile[];
  /** The server's EC2_/OS_/METADATA_ settings, to run the functions in-process like the server. */
  serverEnv: Record<string, string>;
}

export interface Fixtures {
  authUrl: string;
  region: string;
  serviceUser: { name: string; password: string; projectName: string; userDomain: string; projectDomain: string };
  admin: { name: string; password: string; projectName: string };
  projects: Record<string, { projectId: string; projectName: string; userId: string; userName: string; password: string; ec2: { access: string; secret: string } }>;
  imageId: string;
  imageName: string;
  flavors: string[];
  publicNetworkId: string;
  publicNetworkName: string;
}

export const endpointInfo = (): EndpointInfo =>
  JSON.parse(readFileSync(join(runDir, 'endpoint.json'), 'utf8')) as EndpointInfo;

export const fixtures = (): Fixtures => JSON.parse(readFileSync(join(stateDir, 'fixtures.json'), 'utf8')) as Fixtures;

/** The EC2 profile of a project made by the local stack: 'demo' or 'alt'. */
export function profileOf(project: 'demo' | 'alt' = 'demo'): Profile {
  const p = endpointInfo().profiles.find((x) => x.projectName === project);
  if (!p) throw new Error(`no EC2 profile for project ${project} in endpoint.json`);
  return p;
}

/** A name no other test run has used, so runs can share one OpenStack. */
export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
