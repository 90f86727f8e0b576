import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';

/**
 * The previous generation of a recipe's debian/ folder for a target, kept under the state folder
 * (`generated/<recipe>/<target>/`) so `freshet generate --diff` can show what changed.
 */
export type FileSet = Map<string, Buffer>;

export function generationDir(stateDir: string, recipe: string, targetId: string): string {
  return path.join(stateDir, 'generated', recipe, targetId);
}

/** Every file under `dir`, keyed by its path relative to `dir` with `/` separators. */
export function readFileSet(dir: string): FileSet {
  const files: FileSet = new Map();
  if (!existsSync(dir)) return files;
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.set(child, readFileSync(path.join(dir, child)));
    }
  };
  walk('');
  return files;
}

/** Replace the kept generation: written beside it first, then swapped in by renames. */
export function keepGeneration(dir: string, files: FileSet): void {
  const fresh = `${dir}.new`;
  const old = `${dir}.old`;
  rmSync(fresh, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
  for (const [relative, content] of files) {
    mkdirSync(path.dirname(path.join(fresh, relative)), { recursive: true });
    writeFileSync(path.join(fresh, relative), content);
  }
  mkdirSync(fresh, { recursive: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(fresh, dir);
  rmSync(old, { recursive: true, force: true });
}

/** A unified diff of two file sets, files in sorted order; empty when nothing changed. */
export function diffFileSets(before: FileSet, after: FileSet): string {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (const name of names) {
    const old = before.get(name);
    const now = after.get(name);
    if (old && now && old.equals(now)) continue;
    const patch = createTwoFilesPatch(
      old ? `a/${name}` : '/dev/null',
      now ? `b/${name}` : '/dev/null',
      old?.toString('utf8') ?? '',
      now?.toString('utf8') ?? '',
      undefined,
      undefined,
      { context: 3 },
    );
    // Drop jsdiff's leading "Index:"/"====" lines so the output reads like `diff -u`.
    parts.push(patch.split('\n').filter((line) => !line.startsWith('Index: ') && !/^=+$/.test(line)).join('\n'));
  }
  return parts.join('');
}
