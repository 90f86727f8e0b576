import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Read-only access to an unpacked upstream tree. Only regular files are read (symlinks are not
 * followed), and only their first bytes: the tree is untrusted and only looked at, never run.
 */
export interface SourceTree {
  /** Relative paths of regular files, shallow first, at most `MAX_FILES`. */
  files: string[];
  read(relative: string): string | undefined;
  has(relative: string): boolean;
}

const MAX_FILES = 5000;
const MAX_DEPTH = 4;
const MAX_READ = 256 * 1024;
const SKIP_DIRS = new Set(['.git', 'node_modules', 'vendor', 'third_party', '3rdparty', 'deps', 'external']);

export function openTree(root: string): SourceTree {
  const files: string[] = [];
  let level = [''];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0 && files.length < MAX_FILES; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const relative = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) next.push(relative);
        else if (entry.isFile() && files.length < MAX_FILES) files.push(relative);
      }
    }
    level = next;
  }
  const known = new Set(files);
  return {
    files,
    has: (relative) => known.has(relative),
    read(relative) {
      if (!known.has(relative)) return undefined;
      const file = path.join(root, relative);
      const stat = lstatSync(file);
      if (!stat.isFile()) return undefined;
      const buffer = readFileSync(file).subarray(0, MAX_READ);
      return buffer.includes(0) ? undefined : buffer.toString('utf8');
    },
  };
}

/** A tree from a map of file texts, for tests and for callers that already hold the files. */
export function memoryTree(contents: Record<string, string>): SourceTree {
  const files = Object.keys(contents).sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  return { files, has: (relative) => relative in contents, read: (relative) => contents[relative] };
}
