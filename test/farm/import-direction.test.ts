import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The farm's two roles, arrows one way: a worker (and the job runner it shares with the embedded
 * mode) imports no module of the state store, signing, publishing, the pipeline or the
 * coordinator; the coordinator never loads a worker module, not even through a third module
 * (imports followed transitively). Read from the sources' import lines.
 */
const src = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports of a source file (static, `import type`, re-exports and dynamic), as absolute .ts paths. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts')).filter((resolved) => existsSync(resolved));
}

/** Every chain of imports from `from` to a file `forbidden` matches, as `a → b → c`. */
function forbiddenPaths(from: string, forbidden: (file: string) => boolean): string[] {
  const found: string[] = [];
  const seen = new Set<string>([from]);
  const queue: string[][] = [[from]];
  while (queue.length > 0) {
    const chain = queue.shift()!;
    for (const next of importsOf(chain.at(-1)!)) {
      if (seen.has(next)) continue;
      seen.add(next);
      const longer = [...chain, next];
      if (forbidden(next)) found.push(longer.map((file) => path.relative(src, file)).join(' → '));
      else queue.push(longer);
    }
  }
  return found;
}

const under = (folder: string) => (file: string) => path.relative(src, file).startsWith(`${folder}/`) || path.relative(src, file) === `${folder}.ts`;

const workerSide = [
  ...sourceFiles(path.join(src, 'farm/worker')),
  ...['farm/runner.ts', 'farm/protocol.ts', 'farm/trees.ts', 'farm/redis.ts'].map((file) => path.join(src, file)),
];
const coordinatorSide = [...sourceFiles(path.join(src, 'pipeline')), ...sourceFiles(path.join(src, 'farm/coordinator'))];

describe('farm roles: imports go one way', () => {
  it('finds the files of both roles', () => {
    expect(workerSide.map((file) => path.relative(src, file))).toEqual(expect.arrayContaining(['farm/worker/worker.ts', 'farm/runner.ts']));
    expect(coordinatorSide.map((file) => path.relative(src, file))).toEqual(expect.arrayContaining(['pipeline/run.ts', 'farm/coordinator/executor.ts']));
  });

  it('reads relative imports, including type-only and dynamic ones', () => {
    const run = importsOf(path.join(src, 'pipeline/run.ts')).map((file) => path.relative(src, file));
    expect(run).toEqual(expect.arrayContaining(['pipeline/executor.ts', 'farm/protocol.ts', 'farm/coordinator/index.ts', 'state/store.ts']));
  });

  const forbiddenForWorker = ['state', 'sign', 'publish', 'pipeline', 'farm/coordinator'];
  // Direct imports: build/ and gate/ share parsers with publish/ (control fields, the keyring's file name), which is no role's state.
  it.each(workerSide.map((file) => [path.relative(src, file), file] as const))('worker side %s imports no state, signing, publishing, pipeline or coordinator module', (_, file) => {
    const wrong = importsOf(file).filter((target) => forbiddenForWorker.some((folder) => under(folder)(target)));
    expect(wrong.map((target) => path.relative(src, target))).toEqual([]);
  });

  it.each(coordinatorSide.map((file) => [path.relative(src, file), file] as const))('coordinator side %s reaches no worker module', (_, file) => {
    expect(forbiddenPaths(file, under('farm/worker'))).toEqual([]);
  });
});
