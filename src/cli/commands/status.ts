import { action, type RegisterCommand } from '../context.js';

export const registerStatus: RegisterCommand = (program) => {
  program
    .command('status')
    .description('print the recipe × target matrix: upstream newest, distro, published, state, lag (--json: status.json)')
    .action(action(async (_options, command) => (await import('../actions/status.js')).status(command)));
};
