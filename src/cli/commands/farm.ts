import { action, type RegisterCommand } from '../context.js';

export const registerFarm: RegisterCommand = (program) => {
  const farm = program.command('farm').description("the build farm's workers, as the coordinator knows them (docs/farm.md)");
  farm
    .command('add-worker')
    .description("print a new worker's token once and record only its sha256 in the config's farm.workers")
    .argument('<name>', 'worker name: lower-case letters, digits, dots and dashes')
    .option('--replace', 'give an existing worker a new token (the old one stops working)')
    .action(action(async (name: string, options: { replace?: boolean }, command) => (await import('../actions/farm.js')).addWorker(name, options, command)));
  farm
    .command('remove-worker')
    .description("remove a worker from farm.workers: its token stops working when the coordinator restarts")
    .argument('<name>', 'worker name')
    .action(action(async (name: string, _options, command) => (await import('../actions/farm.js')).removeWorker(name, command)));
};
