import { action, type RegisterCommand } from '../context.js';

export interface VerifyOptions {
  archive?: string;
  keyring?: string;
}

export const registerVerify: RegisterCommand = (program) => {
  program
    .command('verify')
    .description('check the published archive as a client would: signatures, Valid-Until, every index, every pool file')
    .option('--archive <dir>', 'archive root (default: the configured archive)')
    .option('--keyring <file>', 'keyring to verify against (default: <archive>/freshet-archive-keyring.gpg)')
    .action(action(async (options: VerifyOptions, command) => (await import('../actions/verify.js')).verify(options, command)));
};
