import { action, type RegisterCommand } from '../context.js';

export const registerWatch: RegisterCommand = (program) => {
  program
    .command('watch')
    .description('check upstreams for new releases and which targets lack them')
    .argument('[recipes...]', 'recipe names or files (default: all)')
    .action(action(async (names: string[], _options, command) => (await import('../actions/watch.js')).watch(names, command)));
};
