import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { log } from '../core/log.js';
import { PARSE_VERSION } from './yaml.js';

/**
 * Parsed YAML of recipe files, kept between runs: the yaml library needs ~0.4 ms a recipe (more
 * while the process is young), which is most of loading 1,000 recipes; this cache answers in
 * microseconds. Only parsing is cached, as a pure function of the text: the key is the sha256 of
 * freshet's parse rules version, the yaml library's version and the text. Every recipe is still
 * validated and its files checked on every load, and a text that failed to parse is never stored,
 * so errors always come from a fresh parse.
 */
const FORMAT = 'freshet-recipe-parse-cache/1';
const MAX_ENTRIES = 20_000;
const yamlVersion = (createRequire(import.meta.url)('yaml/package.json') as { version: string }).version;

interface Stored {
  format: string;
  entries: Map<string, Buffer>;
}

function keyOf(text: string): string {
  return createHash('sha256').update(`${PARSE_VERSION}\0${yamlVersion}\0`).update(text).digest('hex');
}

export class ParseCache {
  private readonly entries: Map<string, Buffer>;
  private readonly used = new Set<string>();
  private changed = false;

  private constructor(
    private readonly file: string | undefined,
    entries: Map<string, Buffer>,
  ) {
    this.entries = entries;
  }

  /** A cache kept in `file`; a missing, unreadable or foreign file is an empty cache. */
  static open(file: string): ParseCache {
    let entries = new Map<string, Buffer>();
    try {
      const stored = deserialize(readFileSync(file)) as Partial<Stored>;
      if (stored.format === FORMAT && stored.entries instanceof Map) entries = stored.entries;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.debug('recipe parse cache unreadable, starting empty', { file, error: String(error) });
    }
    return new ParseCache(file, entries);
  }

  /** The cache kept in a state folder. */
  static inState(stateDir: string): ParseCache {
    return ParseCache.open(path.join(stateDir, 'recipe-parse-cache.bin'));
  }

  /** A cache for this process only (tests). */
  static inMemory(): ParseCache {
    return new ParseCache(undefined, new Map());
  }

  /** The value parsed from this text before, as a fresh copy, or undefined. */
  get(text: string): unknown {
    const key = keyOf(text);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.used.add(key);
    return deserialize(entry);
  }

  /** Remember what a successful parse of this text gave (copied now: validation may not change it). */
  set(text: string, value: unknown): void {
    const key = keyOf(text);
    this.entries.set(key, serialize(value));
    this.used.add(key);
    this.changed = true;
  }

  /** Write the cache back if it learned something: a temporary file renamed over the old one. */
  save(): void {
    if (!this.file || !this.changed) return;
    let entries = this.entries;
    if (entries.size > MAX_ENTRIES) entries = new Map([...entries].filter(([key]) => this.used.has(key)));
    const temp = `${this.file}.tmp-${process.pid}`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileSync(temp, serialize({ format: FORMAT, entries } satisfies Stored));
      renameSync(temp, this.file);
      this.changed = false;
    } catch (error) {
      // A cache that cannot be written only costs the next run its speed.
      rmSync(temp, { force: true });
      log.debug('recipe parse cache not saved', { file: this.file, error: String(error) });
    }
  }
}
