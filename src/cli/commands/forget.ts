import { action, type RegisterCommand } from '../context.js';

export const registerForget: RegisterCommand = (program) => {
  program
    .command('forget')
    .description("forget a recipe's recorded upstream releases (one version, or all): the next watch records their URLs and, on the next download, their tarball hash afresh")
    .argument('<recipe>', 'recipe name')
    .argument('[version]', 'upstream version (default: every release of the recipe and its last check)')
    .action(action(async (recipe: string, version: string | undefined, _options, command) => (await import('../actions/forget.js')).forget(recipe, version, command)));
};
