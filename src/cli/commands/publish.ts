import { action, type RegisterCommand } from '../context.js';

export interface PublishOptions {
  archive?: string;
  staging?: string;
  resign?: boolean;
  suite?: string[];
  remove?: string[];
}

export const registerPublish: RegisterCommand = (program) => {
  program
    .command('publish')
    .description('publish build results into the signed archive (atomic), or re-sign it')
    .argument('[results...]', 'build-result JSON files (artifact paths relative to each file)')
    .option('--archive <dir>', 'archive root (default: the configured archive; its state goes under <state>/archives/)')
    .option('--staging <dir>', 'publish into a staging copy: <dir>/archive, state in <dir>/state')
    .option('--resign', 'renew Date and Valid-Until and sign again, indices unchanged')
    .option('--suite <codename...>', 'suites to re-sign or remove from (default: every deb target)')
    // Not <name[=version]...>: commander reads a bracket in the value name as optional and the option as not variadic.
    .option('--remove <package...>', 'take packages out of the index, each NAME or NAME=VERSION (pool files go after the grace period)')
    .action(action(async (files: string[], options: PublishOptions, command) => (await import('../actions/publish.js')).publish(files, options, command)));
};
