import { action, type RegisterCommand } from '../context.js';

export interface BootstrapOptions {
  force?: boolean;
  builder: boolean;
}

export const registerImages: RegisterCommand = (program) => {
  const images = program.command('images').description('make and list the container images builds run in');

  images
    .command('bootstrap')
    .description('make a target\'s base image from its distribution mirror (mmdebstrap + import), and its builder image')
    .argument('<target>', 'target id from the config, such as debian-12')
    .option('--force', 'bootstrap again even when the base image exists')
    .option('--no-builder', 'make the base image only')
    .action(action(async (targetId: string, options: BootstrapOptions, command) => (await import('../actions/images.js')).bootstrap(targetId, options, command)));

  images
    .command('list')
    // build/images.ts IMAGE_PREFIX, written out so that --help loads no image code (a test keeps them equal).
    .description("list freshet's images (localhost/freshet/*)")
    .action(action(async (_options, command) => (await import('../actions/images.js')).listImages(command)));
};
