import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_FILE, resolveConfig, type ResolvedConfig } from './resolve.js';
import type { Config } from './schema.js';
import { schemaCodeVersion, userCacheDir, ValidatedCache } from './validated-cache.js';

/**
 * loadConfig for the CLI (`configFor`), which starts often (`freshet publish`): an unchanged config
 * file is taken from the validated cache and only resolved, so neither the yaml library nor zod is
 * loaded; any other goes through load.ts as before, with the same errors, and is stored once valid.
 */
export async function loadConfigCached(
  file = process.env.FRESHET_CONFIG ?? DEFAULT_CONFIG_FILE,
  cacheFile = path.join(userCacheDir(), 'validated-config.bin'),
): Promise<ResolvedConfig> {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // load.ts says why, in its own words.
  }
  if (text === undefined) return (await import('./load.js')).loadConfig(file);
  const display = path.relative(process.cwd(), path.resolve(file)) || file;
  const cache = ValidatedCache.open(cacheFile, schemaCodeVersion([new URL('./schema.js', import.meta.url), new URL('../recipe/yaml.js', import.meta.url)]));
  const known = cache.get(text) as Config | undefined;
  if (known !== undefined) return resolveConfig(known, display);
  const { validateConfigText } = await import('./load.js');
  // Validated from the bytes the key was made of, so a file changed meanwhile cannot be stored under the old key.
  const config = validateConfigText(text, display);
  const resolved = resolveConfig(config, display);
  cache.set(text, config);
  cache.save();
  return resolved;
}
