import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigCached } from '../../src/config/cached.js';
import { loadConfig } from '../../src/config/load.js';
import { schemaCodeVersion, ValidatedCache } from '../../src/config/validated-cache.js';

const target = { id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } };

describe('validated config cache', () => {
  let dir: string;
  let configFile: string;
  let cacheFile: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-validated-'));
    configFile = path.join(dir, 'freshet.config.yaml');
    cacheFile = path.join(dir, 'cache/validated-config.bin');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeConfig = (archive: string) => writeFileSync(configFile, `archive: ${archive}\ntargets:\n  - ${JSON.stringify(target)}\n`);

  it('gives what loadConfig gives, and the second time serves the stored value without validating again', async () => {
    writeConfig('first');
    expect(await loadConfigCached(configFile, cacheFile)).toEqual(loadConfig(configFile));
    // Only a hit can return a value the file does not say: plant one under the file's key.
    const version = schemaCodeVersion([new URL('../../src/config/schema.js', import.meta.url), new URL('../../src/recipe/yaml.js', import.meta.url)]);
    const cache = ValidatedCache.open(cacheFile, version);
    const stored = cache.get(readFileSync(configFile, 'utf8')) as { archive: string };
    expect(stored.archive).toBe('first');
    cache.set(readFileSync(configFile, 'utf8'), { ...stored, archive: 'planted' });
    cache.save();
    expect((await loadConfigCached(configFile, cacheFile)).archiveDir).toBe(path.join(dir, 'planted'));
  });

  it('misses when the config file changes', async () => {
    writeConfig('first');
    await loadConfigCached(configFile, cacheFile);
    writeConfig('second');
    expect((await loadConfigCached(configFile, cacheFile)).archiveDir).toBe(path.join(dir, 'second'));
  });

  it('misses when the schema version changes', () => {
    const cache = ValidatedCache.open(cacheFile, 'schema-1');
    cache.set('archive: a\n', { archive: 'a' });
    cache.save();
    expect(ValidatedCache.open(cacheFile, 'schema-1').get('archive: a\n')).toEqual({ archive: 'a' });
    expect(ValidatedCache.open(cacheFile, 'schema-2').get('archive: a\n')).toBeUndefined();
  });

  it('changes its schema version with the code of any module the schema imports', () => {
    const schema = path.join(dir, 'schema.js');
    writeFileSync(schema, "import { field } from './fields.js';\n");
    writeFileSync(path.join(dir, 'fields.js'), 'export const field = 1;\n');
    const before = schemaCodeVersion([new URL(`file://${schema}`)]);
    writeFileSync(path.join(dir, 'fields.js'), 'export const field = 2;\n');
    expect(schemaCodeVersion([new URL(`file://${schema}`)])).not.toBe(before);
  });

  it('ignores a corrupted cache file and writes it again', async () => {
    writeConfig('first');
    await loadConfigCached(configFile, cacheFile);
    writeFileSync(cacheFile, 'not a cache');
    expect((await loadConfigCached(configFile, cacheFile)).archiveDir).toBe(path.join(dir, 'first'));
    expect(readFileSync(cacheFile, 'utf8')).not.toBe('not a cache');
  });

  it('stores nothing for an invalid config and reports it as loadConfig does', async () => {
    writeFileSync(configFile, 'targets: 3\n');
    const expected = (() => {
      try {
        loadConfig(configFile);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('the config was accepted');
    })();
    await expect(loadConfigCached(configFile, cacheFile)).rejects.toThrow(expected);
    await expect(loadConfigCached(configFile, cacheFile)).rejects.toThrow(expected);
  });
});
