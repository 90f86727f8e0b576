import { action, type RegisterCommand } from '../context.js';

export const registerLint: RegisterCommand = (program) => {
  program
    .command('lint')
    .description('validate the config and recipes; refuses values that could break out of their context')
    .argument('[recipes...]', 'recipe names or files (default: all in the recipes folder)')
    .action(action(async (names: string[], _options, command) => (await import('../actions/lint.js')).lint(names, command)));
};
