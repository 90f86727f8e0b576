import path from 'node:path';
import { ExitCode } from '../../core/errors.js';
import { verifyArchive } from '../../verify/index.js';
import { action, configFor, output, type RegisterCommand } from '../context.js';

export const registerVerify: RegisterCommand = (program) => {
  program
    .command('verify')
    .description('check the published archive as a client would: signatures, Valid-Until, every index, every pool file')
    .option('--archive <dir>', 'archive root (default: the configured archive)')
    .option('--keyring <file>', 'keyring to verify against (default: <archive>/freshet-archive-keyring.gpg)')
    .action(
      action(async (options: { archive?: string; keyring?: string }, command) => {
        const root = options.archive ? path.resolve(options.archive) : configFor(command).archiveDir;
        const problems = await verifyArchive(root, options.keyring ? path.resolve(options.keyring) : undefined);
        output(command, { ok: problems.length === 0, archive: root, problems }, () =>
          problems.length === 0 ? `${root}: archive OK` : problems.map((problem) => `${problem.file}: ${problem.message}`).join('\n'),
        );
        return problems.length === 0 ? ExitCode.ok : ExitCode.failed;
      }),
    );
};
