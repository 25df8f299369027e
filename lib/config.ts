/**
 * Configuration from the environment (serverless.yml passes it through to every function).
 * Credentials of the EC2 service's own Keystone user come from OS_* variables or a clouds.yaml
 * entry named by OS_CLOUD, the way OpenStack's own tools read them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ServiceEndpoints } from './openstack/catalog.js';
import { endpointOverrides } from './openstack/endpoint-overrides.js';

export type DispatchMode = 'inline' | 'lambda' | 'openwhisk';
/** The AWS calls of the hot paths (table, Lambda invoke): lib/aws-http.ts, or the AWS SDK's clients. */
export type AwsClientKind = 'http' | 'sdk';

export interface ServiceCredentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
}

export interface Config {
  /** Region name EC2 clients see (DescribeRegions, availability zone placement). */
  ec2Region: string;
  /** Public URL of the EC2 endpoint, shown by DescribeRegions. */
  ec2Endpoint: string;
  openstack: {
    credentials: ServiceCredentials;
    region: string | undefined;
    interface: 'public' | 'internal' | 'admin';
    novaMicroversion: string;
    timeoutMs: number;
    /** Per-service endpoints used instead of the catalog's (lib/openstack/endpoint-overrides.ts). */
    endpointOverrides: ServiceEndpoints;
  };
  auth: {
    /** After this many seconds a cached credential is validated with Keystone again. */
    credentialTtlSeconds: number;
    /** Largest accepted difference between the request's signing time and ours. */
    maxClockSkewSeconds: number;
  };
  table: {
    name: string;
    endpoint: string | undefined;
    region: string;
    create: boolean;
    /** How the hot table calls are sent: 'http' (lib/store/table-client.ts) or the AWS SDK's client (EC2_AWS_CLIENT=sdk). */
    client: AwsClientKind;
  };
  dispatch: {
    mode: DispatchMode;
    functionPrefix: string;
    lambdaEndpoint: string | undefined;
    /** How the Lambda invokes are sent: 'http' (lib/aws-http.ts) or the AWS SDK's client (EC2_AWS_CLIENT=sdk). */
    lambdaClient: AwsClientKind;
    openwhisk: { apiHost: string; auth: string; namespace: string; actionPrefix: string };
  };
  metadata: {
    /** Nova's metadata API, for the paths the EC2 tree does not serve (`/openstack/…`). */
    novaUrl?: string;
    novaSecret: string;
    sharedSecret: string;
    requireToken: boolean;
    cacheSeconds: number;
  };
  vpc: {
    /** Name or id of the external network internet gateways attach routers to (unset: the only one). */
    externalNetwork: string | undefined;
    /** Whether default subnets give instances a public address (a floating IP) on launch. */
    defaultSubnetMapPublicIp: boolean;
  };
}

type Env = Record<string, string | undefined>;

interface CloudsYaml {
  clouds?: Record<
    string,
    {
      auth?: {
        auth_url?: string;
        username?: string;
        password?: string;
        project_name?: string;
        user_domain_name?: string;
        project_domain_name?: string;
      };
      region_name?: string;
      interface?: string;
      [key: `${string}_endpoint_override`]: string | undefined;
    }
  >;
}

function cloudsYamlPaths(env: Env): string[] {
  return [
    env['OS_CLIENT_CONFIG_FILE'],
    join(process.cwd(), 'clouds.yaml'),
    join(homedir(), '.config/openstack/clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ].filter((p): p is string => Boolean(p));
}

function fromCloudsYaml(env: Env, cloudName: string) {
  for (const path of cloudsYamlPaths(env)) {
    if (!existsSync(path)) continue;
    const cloud = (parseYaml(readFileSync(path, 'utf8')) as CloudsYaml).clouds?.[cloudName];
    if (cloud) return cloud;
  }
  throw new Error(`OS_CLOUD=${cloudName} is not defined in any clouds.yaml (${cloudsYamlPaths(env).join(', ')})`);
}

function serviceCredentials(env: Env) {
  const cloud = env['OS_CLOUD'] ? fromCloudsYaml(env, env['OS_CLOUD']) : undefined;
  const auth = cloud?.auth ?? {};
  const credentials: ServiceCredentials = {
    authUrl: (env['OS_AUTH_URL'] ?? auth.auth_url ?? '').replace(/\/+$/, ''),
    username: env['OS_USERNAME'] ?? auth.username ?? '',
    password: env['OS_PASSWORD'] ?? auth.password ?? '',
    projectName: env['OS_PROJECT_NAME'] ?? auth.project_name ?? 'service',
    userDomainName: env['OS_USER_DOMAIN_NAME'] ?? auth.user_domain_name ?? 'Default',
    projectDomainName: env['OS_PROJECT_DOMAIN_NAME'] ?? auth.project_domain_name ?? 'Default',
  };
  return {
    credentials,
    region: env['OS_REGION_NAME'] ?? cloud?.region_name,
    interface: (env['OS_INTERFACE'] ?? cloud?.interface ?? 'public') as Config['openstack']['interface'],
    endpointOverrides: endpointOverrides(env, cloud ?? {}),
  };
}

const num = (value: string | undefined, fallback: number) => {
  const n = value === undefined || value === '' ? NaN : Number(value);
  return Number.isFinite(n) ? n : fallback;
};
const bool = (value: string | undefined, fallback: boolean) =>
  value === undefined || value === '' ? fallback : /^(1|true|yes|on)$/i.test(value);

/** serverless.yml passes unset variables as empty strings: treat those as unset. */
const withoutEmpty = (env: Env): Env => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));

export function loadConfig(rawEnv: Env = process.env): Config {
  const env = withoutEmpty(rawEnv);
  const os = serviceCredentials(env);
  const mode = (env['EC2_DISPATCH'] ?? 'inline') as DispatchMode;
  const awsClient: AwsClientKind = env['EC2_AWS_CLIENT'] === 'sdk' ? 'sdk' : 'http';
  if (!['inline', 'lambda', 'openwhisk'].includes(mode)) {
    throw new Error(`EC2_DISPATCH must be inline, lambda or openwhisk, not ${mode}`);
  }
  return {
    ec2Region: env['EC2_REGION'] || os.region || 'RegionOne',
    ec2Endpoint: env['EC2_ENDPOINT'] || 'http://127.0.0.1:3000/',
    openstack: {
      credentials: os.credentials,
      region: os.region || undefined,
      interface: os.interface,
      novaMicroversion: env['NOVA_MICROVERSION'] || '2.79',
      timeoutMs: num(env['OPENSTACK_TIMEOUT_MS'], 60_000),
      endpointOverrides: os.endpointOverrides,
    },
    auth: {
      credentialTtlSeconds: num(env['EC2_CREDENTIAL_TTL_SECONDS'], 60),
      maxClockSkewSeconds: num(env['EC2_MAX_CLOCK_SKEW_SECONDS'], 300),
    },
    table: {
      name: env['EC2_TABLE_NAME'] || 'ec2-api-state',
      endpoint: env['EC2_TABLE_ENDPOINT'] || undefined,
      region: env['EC2_TABLE_REGION'] || env['AWS_REGION'] || 'us-east-1',
      create: bool(env['EC2_TABLE_CREATE'], false),
      client: awsClient,
    },
    dispatch: {
      mode,
      functionPrefix: env['EC2_FUNCTION_PREFIX'] ?? 'ec2-api-dev-',
      lambdaEndpoint: env['EC2_LAMBDA_ENDPOINT'] || undefined,
      lambdaClient: awsClient,
      openwhisk: {
        apiHost: env['EC2_OPENWHISK_APIHOST'] ?? env['__OW_API_HOST'] ?? '',
        auth: env['EC2_OPENWHISK_AUTH'] ?? env['__OW_API_KEY'] ?? '',
        namespace: env['EC2_OPENWHISK_NAMESPACE'] ?? '_',
        // serverless-openwhisk names actions <service>_<function>; a package would be '<package>/'.
        actionPrefix: env['EC2_OPENWHISK_ACTION_PREFIX'] ?? 'ec2-api_',
      },
    },
    metadata: {
      sharedSecret: env['METADATA_SHARED_SECRET'] ?? '',
      requireToken: bool(env['METADATA_REQUIRE_TOKEN'], false),
      cacheSeconds: num(env['METADATA_CACHE_SECONDS'], 5),
      novaUrl: env['NOVA_METADATA_URL'] || undefined,
      // Nova's metadata_proxy_shared_secret; the agent's own secret when the cloud uses one for both.
      novaSecret: env['NOVA_METADATA_SECRET'] || env['METADATA_SHARED_SECRET'] || '',
    },
    vpc: {
      externalNetwork: env['EC2_EXTERNAL_NETWORK'] || undefined,
      defaultSubnetMapPublicIp: bool(env['EC2_DEFAULT_SUBNET_MAP_PUBLIC_IP'], false),
    },
  };
}

let cached: Config | undefined;
/** The process-wide configuration, read once. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
