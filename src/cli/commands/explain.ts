import { findTarget } from '../../config/load.js';
import { ExitCode } from '../../core/errors.js';
import { listRecipeFiles, loadRecipeFile } from '../../recipe/load.js';
import { action, configFor, output, type RegisterCommand } from '../context.js';

export const registerExplain: RegisterCommand = (program) => {
  program
    .command('explain')
    .description('show what freshet run would do for one recipe and target: version, images, Build-Depends, commands, where results go (changes nothing)')
    .argument('<recipe>', 'recipe name or file')
    .requiredOption('-t, --target <id>', 'target id from the config')
    .option('--version <version>', 'explain this upstream version instead of the planned one')
    .action(
      action(async (name: string, options: { target: string; version?: string }, command) => {
        // Loaded when the command runs, so that start-up and --help stay light.
        const [{ getEngine }, { explainRecipe, formatExplanation }] = await Promise.all([import('../../build/engine/api.js'), import('../../explain/index.js')]);
        const config = await configFor(command);
        const target = findTarget(config, options.target);
        const [file] = listRecipeFiles(config.recipesDir, [name]);
        const engine = getEngine(config.engine);
        const explanation = await explainRecipe(config, loadRecipeFile(file!), target, { version: options.version, engine });
        output(command, explanation, () => formatExplanation(explanation));
        return ExitCode.ok;
      }),
    );
};
