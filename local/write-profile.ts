/**
 * Writes how to reach the running endpoint: `local/.run/ec2rc` (shell exports, like the ec2rc.sh an
 * OpenStack dashboard hands out) and `ec2rc.<project>` for each further project (`ec2rc.alt`), an
 * aws cli config/credentials pair, and `endpoint.json` for the tests; then prints the profile. The
 * secret keys are written only to those files (mode 600), never to the terminal or its logs.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Fixtures {
  region: string;
  projects: Record<string, { projectId: string; projectName: string; ec2: { access: string; secret: string } }>;
}

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const runDir = process.env['EC2_RUN_DIR'] ?? join(repo, 'local/.run');
const stateDir = process.env['EC2OS_STATE_DIR'] ?? join(runDir, 'openstack');
const quiet = process.argv.includes('--quiet');
const endpoint = process.env['EC2_ENDPOINT'] ?? 'http://127.0.0.1:3000/';
const metadataUrl = endpoint;
const metadataSecret = process.env['METADATA_SHARED_SECRET'] ?? '';

const fixturesPath = join(stateDir, 'fixtures.json');
const fixtures = existsSync(fixturesPath) && !process.env['OS_AUTH_URL'] && process.env['OS_CLOUD'] === 'ec2-service'
  ? (JSON.parse(readFileSync(fixturesPath, 'utf8')) as Fixtures)
  : undefined;
const region = process.env['EC2_REGION'] || fixtures?.region || 'RegionOne';

const profiles = Object.entries(fixtures?.projects ?? {}).map(([name, p]) => ({
  profile: name === 'demo' ? 'ec2-openstack' : `ec2-openstack-${name}`,
  ...p,
}));
const main = profiles[0];

/** The server's own settings, so tests can run the same functions in-process (inline dispatch). */
const serverEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => /^(EC2_|OS_|METADATA_|NOVA_)/.test(k)),
) as Record<string, string>;

mkdirSync(join(runDir, 'aws'), { recursive: true });
writeFileSync(
  join(runDir, 'endpoint.json'),
  JSON.stringify({ endpoint, metadataUrl, metadataSecret, region, profiles, serverEnv }, null, 2),
);
/** Files holding a secret are the owner's alone (the mode also when the file existed before). */
function writeSecret(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}
const exportsFor = (profile: (typeof profiles)[number] | undefined) => [
  `export EC2_URL=${endpoint}`,
  `export AWS_ENDPOINT_URL=${endpoint}`,
  `export AWS_DEFAULT_REGION=${region}`,
  ...(profile
    ? [
        `export AWS_ACCESS_KEY_ID=${profile.ec2.access}`,
        `export AWS_SECRET_ACCESS_KEY=${profile.ec2.secret}`,
        `export EC2_ACCESS_KEY=${profile.ec2.access}`,
        `export EC2_SECRET_KEY=${profile.ec2.secret}`,
      ]
    : []),
  `export EC2_METADATA_URL=${metadataUrl}`,
  `export METADATA_SHARED_SECRET=${metadataSecret}`,
];
writeSecret(join(runDir, 'ec2rc'), `${exportsFor(main).join('\n')}\n`);
for (const other of profiles.slice(1)) {
  writeSecret(join(runDir, `ec2rc.${other.projectName}`), `${exportsFor(other).join('\n')}\n`);
}
writeFileSync(
  join(runDir, 'aws/config'),
  profiles.map((p) => `[profile ${p.profile}]\nregion = ${region}\nendpoint_url = ${endpoint}\noutput = json\n`).join('\n'),
);
writeSecret(
  join(runDir, 'aws/credentials'),
  profiles.map((p) => `[${p.profile}]\naws_access_key_id = ${p.ec2.access}\naws_secret_access_key = ${p.ec2.secret}\n`).join('\n'),
);

if (!quiet) {
  const lines = [
    '',
    `EC2 endpoint:      ${endpoint}`,
    `Metadata service:  ${metadataUrl}latest/meta-data/  (for the neutron metadata agent)`,
    '',
  ];
  if (main) {
    lines.push(
      'aws cli profile (in local/.run/aws/; or `source local/.run/ec2rc`):',
      '',
      `  [profile ${main.profile}]`,
      `  region = ${region}`,
      `  endpoint_url = ${endpoint}`,
      `  aws_access_key_id = ${main.ec2.access}`,
      `  aws_secret_access_key = (in local/.run/aws/credentials and local/.run/ec2rc)`,
      '',
      '  export AWS_CONFIG_FILE=$PWD/local/.run/aws/config AWS_SHARED_CREDENTIALS_FILE=$PWD/local/.run/aws/credentials',
      `  aws --profile ${main.profile} --endpoint-url ${endpoint} ec2 describe-availability-zones`,
      '',
      `  (${main.profile} is project "${main.projectName}"; ${profiles.slice(1).map((p) => `${p.profile} is "${p.projectName}", local/.run/ec2rc.${p.projectName}`).join(', ')})`,
    );
  } else {
    lines.push('Use the EC2 credentials of your cloud (openstack ec2 credentials create) with --endpoint-url above.');
  }
  console.log(lines.join('\n'));
}
