import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';
import type { Family } from '../types.js';
import type { ArchiveLocation, Publisher } from './types.js';

/** A publisher whose code loads on first use: publishing one family does not load the other's. */
function loadedOnUse(family: Family, load: () => Promise<Publisher>): Publisher {
  return {
    family,
    publish: async (request) => (await load()).publish(request),
    resign: async (request) => (await load()).resign(request),
    suites: async (root) => (await load()).suites(root),
  };
}

/** Every repository format freshet publishes, by package family. YUM registers here too. */
export const publishers: Partial<Record<Family, Publisher>> = {
  deb: loadedOnUse('deb', async () => (await import('./apt/index.js')).aptPublisher),
  rpm: loadedOnUse('rpm', async () => (await import('./yum/index.js')).yumPublisher),
};

export function publisherFor(family: Family): Publisher {
  const publisher = publishers[family];
  if (!publisher) throw new UserError(`publishing ${family} packages is not supported yet`);
  return publisher;
}

/**
 * An archive root with its private state under the state folder, named after the root: the index
 * database always describes the pool beside it, even when the config points somewhere new.
 */
export function archiveAt(config: ResolvedConfig, root: string): ArchiveLocation {
  const resolved = path.resolve(root);
  const id = createHash('sha256').update(resolved).digest('hex').slice(0, 12);
  return { root: resolved, stateDir: path.join(config.stateDir, 'archives', `${path.basename(resolved)}-${id}`) };
}

/** The real archive: the configured root. */
export function mainArchive(config: ResolvedConfig): ArchiveLocation {
  return archiveAt(config, config.archiveDir);
}

/** A staging copy for the gate: same layout and key, its own root and state. */
export function stagingArchive(dir: string): ArchiveLocation {
  return { root: path.join(dir, 'archive'), stateDir: path.join(dir, 'state'), staging: true };
}
