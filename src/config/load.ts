import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { loadYamlFile, validateYamlText } from '../recipe/yaml.js';
import { DEFAULT_CONFIG_FILE, resolveConfig, type ResolvedConfig } from './resolve.js';
import { Config } from './schema.js';

export * from './resolve.js';

/** A config file's text, parsed and validated as loadConfig does. */
export function validateConfigText(text: string, display: string): Config {
  return validateYamlText(Config, text, display);
}

export function loadConfig(file = process.env.FRESHET_CONFIG ?? DEFAULT_CONFIG_FILE): ResolvedConfig {
  if (!existsSync(file)) {
    throw new ConfigError(`${file}: no such config file`, { hint: 'pass --config FILE or create freshet.config.yaml' });
  }
  const display = path.relative(process.cwd(), path.resolve(file)) || file;
  return resolveConfig(loadYamlFile(Config, file, display), display);
}
