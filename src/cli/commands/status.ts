import { ExitCode } from '../../core/errors.js';
import { statusTable } from '../../report/terminal.js';
import { buildStatus } from '../../report/write.js';
import { StateStore } from '../../state/store.js';
import { action, configFor, output, type RegisterCommand } from '../context.js';

export const registerStatus: RegisterCommand = (program) => {
  program
    .command('status')
    .description('print the recipe × target matrix: upstream newest, distro, published, state, lag (--json: status.json)')
    .action(
      action(async (_options, command) => {
        const config = configFor(command);
        const state = StateStore.open(config.stateDir);
        try {
          const doc = await buildStatus(config, state);
          output(command, doc, () => statusTable(doc));
          return ExitCode.ok;
        } finally {
          state.close();
        }
      }),
    );
};
