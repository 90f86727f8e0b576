import path from 'node:path';
import { ExitCode } from '../../core/errors.js';
import { mainArchive } from '../../publish/api.js';
import { createKey, exportPublicKey, findArchiveKey, KEYRING_ASC, keyStatus } from '../../sign/key.js';
import { UserError } from '../../core/errors.js';
import { action, configFor, output, type RegisterCommand } from '../context.js';

export const registerKey: RegisterCommand = (program) => {
  const key = program.command('key').description('the archive signing key (in the state folder, never your own keyring)');
  key
    .command('create')
    .description('make the archive signing key and export its public half into the archive root')
    .option('--name <name>', 'user id name', 'freshet archive')
    .option('--email <email>', 'user id email', 'freshet@localhost')
    .option('--algo <algo>', 'ed25519 or rsa4096', 'ed25519')
    .option('--expire <when>', 'expiry in gpg syntax (2y, 365d, never)', '2y')
    .action(
      action(async (options: { name: string; email: string; algo: string; expire: string }, command) => {
        if (options.algo !== 'ed25519' && options.algo !== 'rsa4096') throw new UserError(`--algo: must be ed25519 or rsa4096, not ${options.algo}`, { exitCode: ExitCode.usage });
        const config = configFor(command);
        const created = await createKey(config.stateDir, { name: options.name, email: options.email, algorithm: options.algo, expire: options.expire });
        const keyring = await exportPublicKey(config.stateDir, created.fingerprint, config.archiveDir);
        output(command, { ...created, keyring, armored: path.join(config.archiveDir, KEYRING_ASC) }, () => created.fingerprint);
        return ExitCode.ok;
      }),
    );
  key
    .command('status')
    .description('report whether the archive key is missing, expired or expiring within 30 days')
    .action(
      action(async (_options, command) => {
        const config = configFor(command);
        const status = await keyStatus(config.stateDir, config.signingKey);
        output(command, status, () => `${status.state}: ${status.message}`);
        return status.state === 'missing' || status.state === 'expired' ? ExitCode.failed : ExitCode.ok;
      }),
    );
  key
    .command('export')
    .description('write the public key into an archive root (default: the configured archive)')
    .option('--archive <dir>', 'archive root')
    .action(
      action(async (options: { archive?: string }, command) => {
        const config = configFor(command);
        const found = await findArchiveKey(config.stateDir, config.signingKey);
        if (!found) throw new UserError(`${config.stateDir}: no archive key`, { hint: 'run `freshet key create`' });
        const root = options.archive ? path.resolve(options.archive) : mainArchive(config).root;
        const keyring = await exportPublicKey(config.stateDir, found.fingerprint, root);
        output(command, { fingerprint: found.fingerprint, keyring }, () => keyring);
        return ExitCode.ok;
      }),
    );
};
