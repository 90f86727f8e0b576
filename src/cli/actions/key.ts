import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, UserError } from '../../core/errors.js';
import { mainArchive } from '../../publish/api.js';
import { createKey, exportPublicKey, findArchiveKey, KEYRING_ASC, keyStatus } from '../../sign/key.js';
import type { KeyCreateOptions } from '../commands/key.js';
import { configFor, output } from '../context.js';

export async function create(options: KeyCreateOptions, command: Command): Promise<ExitCode> {
  if (options.algo !== 'ed25519' && options.algo !== 'rsa4096') throw new UserError(`--algo: must be ed25519 or rsa4096, not ${options.algo}`, { exitCode: ExitCode.usage });
  const config = await configFor(command);
  const created = await createKey(config.stateDir, { name: options.name, email: options.email, algorithm: options.algo, expire: options.expire });
  const keyring = await exportPublicKey(config.stateDir, created.fingerprint, config.archiveDir);
  output(command, { ...created, keyring, armored: path.join(config.archiveDir, KEYRING_ASC) }, () => created.fingerprint);
  return ExitCode.ok;
}

export async function status(command: Command): Promise<ExitCode> {
  const config = await configFor(command);
  const status = await keyStatus(config.stateDir, config.signingKey);
  output(command, status, () => `${status.state}: ${status.message}`);
  return status.state === 'missing' || status.state === 'expired' ? ExitCode.failed : ExitCode.ok;
}

export async function exportKey(options: { archive?: string }, command: Command): Promise<ExitCode> {
  const config = await configFor(command);
  const found = await findArchiveKey(config.stateDir, config.signingKey);
  if (!found) throw new UserError(`${config.stateDir}: no archive key`, { hint: 'run `freshet key create`' });
  const root = options.archive ? path.resolve(options.archive) : mainArchive(config).root;
  const keyring = await exportPublicKey(config.stateDir, found.fingerprint, root);
  output(command, { fingerprint: found.fingerprint, keyring }, () => keyring);
  return ExitCode.ok;
}
