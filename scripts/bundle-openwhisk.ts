/**
 * Bundles every function for Apache OpenWhisk: one CommonJS file per action in `.openwhisk/`
 * exporting `main`, which serverless.openwhisk.yml packages (OpenWhisk's Node runtime loads the
 * zip's package.json `main`, so the bundles must be plain CommonJS `.js`).
 */
import { build } from 'esbuild';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const functions = ['ec2', 'instances', 'volumes', 'vpc', 'images', 'metadata', 'sweeper'].filter((name) =>
  existsSync(join(repo, `functions/${name}/handler.ts`)),
);

await build({
  absWorkingDir: repo,
  entryPoints: Object.fromEntries(functions.map((name) => [name, `functions/${name}/handler.ts`])),
  outdir: join(repo, '.openwhisk'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  outExtension: { '.js': '.js' },
  sourcemap: 'inline',
  logLevel: 'warning',
});
// This repository is an ES module package; the bundles are CommonJS wherever they are loaded from.
writeFileSync(join(repo, '.openwhisk/package.json'), '{ "type": "commonjs" }\n');
console.log(`bundled for OpenWhisk: ${functions.join(', ')} -> .openwhisk/`);
