import { action, type RegisterCommand } from '../context.js';

export interface RunCommandOptions {
  target?: string[];
  dryRun?: boolean;
  watch: boolean;
  retryFailed?: boolean;
}

export const registerRun: RegisterCommand = (program) => {
  program
    .command('run')
    .description('watch → fetch → generate → build → gate → publish, for every recipe and enabled target')
    .argument('[recipes...]', 'recipe names (default: all)')
    .option('-t, --target <id...>', 'only these targets')
    .option('-n, --dry-run', 'print the plan and stop')
    .option('--no-watch', 'use the releases already known instead of asking upstreams')
    .option('--retry-failed', 'build again what failed with the same inputs')
    .action(action(async (recipes: string[], options: RunCommandOptions, command) => (await import('../actions/run.js')).run(recipes, options, command)));
};
