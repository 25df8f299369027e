import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { findEarlyPromises, projectProgram } from './early-promises.js';

const ROOT = resolve(import.meta.dirname, '../../..');

function findingsIn(source: string) {
  const dir = mkdtempSync(join(tmpdir(), 'early-promises-'));
  const file = join(dir, 'sample.ts');
  writeFileSync(file, source);
  const program = ts.createProgram({ rootNames: [file], options: { strict: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2023.d.ts'], types: [] } });
  return findEarlyPromises(program, (name) => name === file).map((f) => ({ name: f.name, line: f.line, awaitLine: f.awaitLine }));
}

const PRELUDE = `
declare function imageOf(id: string): Promise<{ id: string }>;
declare function portsOf(ids: string[]): Promise<string[]>;
declare function deferred<T>(p: Promise<T>): Promise<T>;
`;

describe('promises started early and awaited late', () => {
  it('finds none in functions/ and lib/', () => {
    const found = findEarlyPromises(projectProgram(ROOT), (name) => /\/(functions|lib)\//.test(name));
    expect(found.map((f) => `${f.file.slice(ROOT.length + 1)}:${f.line} ${f.name} (awaits at line ${f.awaitLine} first)`)).toEqual([]);
  }, 60_000);

  it('flags the pattern that crashed the endpoint (imagesP in instance-related.ts)', () => {
    const found = findingsIn(`${PRELUDE}
export async function related(ids: string[]) {
  const imagesP = Promise.all(ids.map(async (id) => [id, await imageOf(id)] as const));
  const ports = await portsOf(ids);
  const images = await imagesP;
  return { ports, images };
}`);
    expect(found).toEqual([{ name: 'imagesP', line: 7, awaitLine: 8 }]);
  });

  it('flags arrays and objects of promises and sequential awaits over an array of promises', () => {
    const found = findingsIn(`${PRELUDE}
export async function many(ids: string[]) {
  const all = ids.map((id) => imageOf(id));
  const named = { ports: portsOf(ids), first: imageOf(ids[0]!) };
  await portsOf([]);
  for (const p of all) await p;
  return named;
}`);
    expect(found.map((f) => f.name).sort()).toEqual(['all', 'all', 'named']);
  });

  it('accepts work awaited together, handled at once, or used before any other await', () => {
    const found = findingsIn(`${PRELUDE}
export async function fine(ids: string[]) {
  const imagesP = Promise.all(ids.map((id) => imageOf(id)));
  const portsP = portsOf(ids);
  const [images, ports] = await Promise.all([imagesP, portsP]);
  const laterP = deferred(imageOf('x'));
  const caught = imageOf('y').catch(() => undefined);
  await portsOf(ids);
  const inline = imageOf('z');
  const z = await inline;
  return { images, ports, later: await laterP, caught: await caught, z };
}`);
    expect(found).toEqual([]);
  });
});
