import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { KEYRING_GPG } from '../../sign/key.js';
import { verifyArchive } from '../../verify/index.js';
import { expiringKeys } from '../../verify/key-expiry.js';
import type { VerifyOptions } from '../commands/verify.js';
import { configFor, output } from '../context.js';

export async function verify(options: VerifyOptions, command: Command): Promise<ExitCode> {
  const root = options.archive ? path.resolve(options.archive) : (await configFor(command)).archiveDir;
  const keyring = options.keyring ? path.resolve(options.keyring) : path.join(root, KEYRING_GPG);
  const problems = await verifyArchive(root, keyring);
  for (const key of await expiringKeys(keyring)) {
    log.warn(key.daysLeft < 0 ? 'archive key has expired' : 'archive key expires soon', { ...key, keyring, hint: 'extend it (gpg --quick-set-expire) and run `freshet key export`' });
  }
  output(command, { ok: problems.length === 0, archive: root, problems }, () =>
    problems.length === 0 ? `${root}: archive OK` : problems.map((problem) => `${problem.file}: ${problem.message}`).join('\n'),
  );
  return problems.length === 0 ? ExitCode.ok : ExitCode.failed;
}
