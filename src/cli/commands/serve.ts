import { action, type RegisterCommand } from '../context.js';

export interface ServeOptions {
  listen?: string;
  instructions?: boolean;
}

export const registerServe: RegisterCommand = (program) => {
  program
    .command('serve')
    .description('serve the archive, the status page, /metrics and webhooks (POST /hooks/<recipe>), and watch, build and publish by itself on schedule.interval')
    .option('--listen <host:port>', 'address to listen on (default: serve.listen in the config, else 127.0.0.1:8780)')
    .option('--instructions', 'print how an operator points apt or dnf at this archive')
    .action(action(async (options: ServeOptions, command) => (await import('../actions/serve.js')).serve(options, command)));
};
