import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { log } from '../core/log.js';

/**
 * Values that passed a schema, kept between runs: a command whose config file is unchanged starts
 * without the yaml library and zod (about 170 module files, 100 ms and more of a CLI call; issue 17).
 * The key is the sha256 of a version (the schema's code, see schemaCodeVersion) and the file's
 * bytes, so a changed file or a changed schema is a miss and goes the full way: parsed, validated,
 * stored again. Only values that validated are stored, so every error comes from a fresh check.
 */
const FORMAT = 'freshet-validated-cache/1';

interface Stored {
  format: string;
  entries: Map<string, Buffer>;
}

export class ValidatedCache {
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly version: string,
    private readonly entries: Map<string, Buffer>,
    private readonly maxEntries: number,
  ) {}

  /** The cache kept in `file`; a missing, unreadable, corrupted or foreign file is an empty cache. */
  static open(file: string, version: string, maxEntries = 100): ValidatedCache {
    let entries = new Map<string, Buffer>();
    try {
      const stored = deserialize(readFileSync(file)) as Partial<Stored>;
      if (stored.format === FORMAT && stored.entries instanceof Map) entries = stored.entries;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.debug('validated cache unreadable, starting empty', { file, error: String(error) });
    }
    return new ValidatedCache(file, version, entries, maxEntries);
  }

  private keyOf(text: string): string {
    return createHash('sha256').update(`${this.version}\0`).update(text).digest('hex');
  }

  /** What this text validated to before, as a fresh copy, or undefined. */
  get(text: string): unknown {
    const entry = this.entries.get(this.keyOf(text));
    return entry === undefined ? undefined : deserialize(entry);
  }

  set(text: string, value: unknown): void {
    const key = this.keyOf(text);
    // Newest last, so the oldest go first when the file is full.
    this.entries.delete(key);
    this.entries.set(key, serialize(value));
    for (const old of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(old);
    }
    this.changed = true;
  }

  /** Write the cache back if it learned something: a temporary file renamed over the old one. */
  save(): void {
    if (!this.changed) return;
    const temp = `${this.file}.tmp-${process.pid}`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      writeFileSync(temp, serialize({ format: FORMAT, entries: this.entries } satisfies Stored), { mode: 0o600 });
      renameSync(temp, this.file);
      this.changed = false;
    } catch (error) {
      // A cache that cannot be written only costs the next run its speed.
      rmSync(temp, { force: true });
      log.debug('validated cache not saved', { file: this.file, error: String(error) });
    }
  }
}

/** The user's cache folder (XDG), where the config's validated cache lives: the state folder is named inside the config. */
export function userCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'freshet');
}

const RELATIVE_IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * A version that changes with the code of the given modules and of every module they import by a
 * relative path (the schemas, their fields and refinements, the yaml rules), and with the zod and
 * yaml libraries': no constant to remember to bump. Reading the dozen files takes about a millisecond.
 */
export function schemaCodeVersion(entries: readonly URL[]): string {
  const hash = createHash('sha256').update(FORMAT);
  const require = createRequire(import.meta.url);
  for (const library of ['zod', 'yaml']) hash.update(`\0${library}@${(require(`${library}/package.json`) as { version: string }).version}`);
  const seen = new Set<string>();
  const pending = entries.map((url) => fileURLToPath(url));
  while (pending.length > 0) {
    let file = pending.pop()!;
    // Under vitest the sources are .ts files imported as .js.
    if (!existsSync(file) && file.endsWith('.js')) file = file.replace(/\.js$/, '.ts');
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    hash.update(`\0${path.basename(file)}\0`).update(code);
    for (const [, relative] of code.matchAll(RELATIVE_IMPORT)) pending.push(path.resolve(path.dirname(file), relative!));
  }
  return hash.digest('hex');
}
