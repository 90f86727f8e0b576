import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';
import type { Family } from '../types.js';
import { aptPublisher } from './apt/index.js';
import type { ArchiveLocation, Publisher } from './types.js';

/** Every repository format freshet publishes, by package family. YUM registers here too. */
export const publishers: Partial<Record<Family, Publisher>> = {
  deb: aptPublisher,
};

export function publisherFor(family: Family): Publisher {
  const publisher = publishers[family];
  if (!publisher) throw new UserError(`publishing ${family} packages is not supported yet`);
  return publisher;
}

/** The real archive: the configured root, with its private state under the state folder. */
export function mainArchive(config: ResolvedConfig): ArchiveLocation {
  return { root: config.archiveDir, stateDir: path.join(config.stateDir, 'archive') };
}

/** An archive at another root (ops, debugging): its state under the state folder, by root. */
export function archiveAt(config: ResolvedConfig, root: string): ArchiveLocation {
  const resolved = path.resolve(root);
  if (resolved === config.archiveDir) return mainArchive(config);
  const id = createHash('sha256').update(resolved).digest('hex').slice(0, 16);
  return { root: resolved, stateDir: path.join(config.stateDir, 'archives', id) };
}

/** A staging copy for the gate: same layout and key, its own root and state. */
export function stagingArchive(dir: string): ArchiveLocation {
  return { root: path.join(dir, 'archive'), stateDir: path.join(dir, 'state') };
}
