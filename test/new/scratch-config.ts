import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository's config with recipes, archive and state in `dir`, and these rewrites and
 * allowHosts in place of the bundled mirror's; returns the config file.
 */
export function scratchConfig(dir: string, rewrites: ReadonlyArray<{ from: string; to: string }>, allowHosts: readonly string[]): string {
  const config = readFileSync(new URL('../../freshet.config.yaml', import.meta.url), 'utf8')
    .replace(/^recipes: .*$/m, `recipes: ${path.join(dir, 'recipes')}`)
    .replace(/^archive: .*$/m, `archive: ${path.join(dir, 'archive')}`)
    .replace(/^state: .*$/m, `state: ${path.join(dir, 'state')}`)
    .replace(
      /^rewrites:[\s\S]*?^allowHosts:\n.*$/m,
      ['rewrites:', ...rewrites.map(({ from, to }) => `  - from: ${from}\n    to: ${to}`), 'allowHosts:', ...allowHosts.map((host) => `  - ${host}`)].join('\n'),
    );
  const file = path.join(dir, 'freshet.config.yaml');
  writeFileSync(file, config);
  return file;
}
