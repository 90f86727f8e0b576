import { action, type RegisterCommand } from '../context.js';

export interface KeyCreateOptions {
  name: string;
  email: string;
  algo: string;
  expire: string;
}

export const registerKey: RegisterCommand = (program) => {
  const key = program.command('key').description('the archive signing key (in the state folder, never your own keyring)');
  key
    .command('create')
    .description('make the archive signing key and export its public half into the archive root')
    .option('--name <name>', 'user id name', 'freshet archive')
    .option('--email <email>', 'user id email', 'freshet@localhost')
    .option('--algo <algo>', 'ed25519 or rsa4096', 'ed25519')
    .option('--expire <when>', 'expiry in gpg syntax (2y, 365d, never)', '2y')
    .action(action(async (options: KeyCreateOptions, command) => (await import('../actions/key.js')).create(options, command)));
  key
    .command('status')
    .description('report whether the archive key is missing, expired or expiring within 30 days')
    .action(action(async (_options, command) => (await import('../actions/key.js')).status(command)));
  key
    .command('export')
    .description('write the public key into an archive root (default: the configured archive)')
    .option('--archive <dir>', 'archive root')
    .action(action(async (options: { archive?: string }, command) => (await import('../actions/key.js')).exportKey(options, command)));
};
