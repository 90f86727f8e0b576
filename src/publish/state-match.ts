import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import type { ArchiveLocation } from './types.js';

/**
 * The refusal when a suite is live in an archive but its private state has never published it.
 * The state folder is named after the archive's path, so a moved or copied archive (or a lost
 * state) finds an empty one; publishing then would list only this publish's packages and drop
 * every other from the clients' view. The hint names the other state folders, one of which is
 * the moved archive's.
 */
export function stateDoesNotKnow(archive: ArchiveLocation, suite: string): UserError {
  const statesDir = path.dirname(archive.stateDir);
  const others = archive.staging || !existsSync(statesDir)
    ? []
    : readdirSync(statesDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && entry.name !== path.basename(archive.stateDir))
        .map((entry) => path.join(statesDir, entry.name));
  // Before a publish makes the state folder, moving the old one there is all it takes.
  const fix = existsSync(archive.stateDir)
    ? `its state folder exists but lacks this suite; the state of a moved archive is one of: ${others.join(', ') || 'none found'}`
    : `if the archive was moved, move its state with it (mv ${others.length === 1 ? others[0] : '<its old state folder>'} ${archive.stateDir})` +
      (others.length > 1 ? `; the state folders of other archive paths: ${others.join(', ')}` : '');
  return new UserError(
    `${archive.root}: suite ${suite} is published there, but freshet's state for this archive (${archive.stateDir}) has never published it: ` +
      'the archive was moved or copied, or its state was lost. Nothing was changed; a publish now would list only its own packages.',
    { hint: fix },
  );
}
