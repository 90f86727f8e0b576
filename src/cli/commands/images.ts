import { findTarget } from '../../config/load.js';
import { ExitCode } from '../../core/errors.js';
import { getEngine } from '../../build/engine/api.js';
import { bootstrapBase, ensureBuilderImage, IMAGE_PREFIX, LABEL, type ImageOutcome } from '../../build/images.js';
import { action, configFor, output, type RegisterCommand } from '../context.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const describe = (outcome: ImageOutcome) => `${outcome.ref} ${outcome.how} (${outcome.id.slice(0, 12)}, ${seconds(outcome.durationMs)})`;

export const registerImages: RegisterCommand = (program) => {
  const images = program.command('images').description('make and list the container images builds run in');

  images
    .command('bootstrap')
    .description('make a target\'s base image from its distribution mirror (mmdebstrap + import), and its builder image')
    .argument('<target>', 'target id from the config, such as debian-12')
    .option('--force', 'bootstrap again even when the base image exists')
    .option('--no-builder', 'make the base image only')
    .action(
      action(async (targetId: string, options: { force?: boolean; builder: boolean }, command) => {
        const config = configFor(command);
        const context = { engine: getEngine(config.engine), stateDir: config.stateDir };
        const target = findTarget(config, targetId);
        const base = await bootstrapBase(target, context, { force: options.force });
        const builder = options.builder ? await ensureBuilderImage(target, context, { force: options.force }) : undefined;
        output(command, { target: target.id, base, builder }, () => [base, builder].filter((o) => o !== undefined).map(describe).join('\n'));
        return ExitCode.ok;
      }),
    );

  images
    .command('list')
    .description(`list freshet's images (${IMAGE_PREFIX}/*)`)
    .action(
      action(async (_options, command) => {
        const config = configFor(command);
        const engine = getEngine(config.engine);
        const list = (await engine.listImages(`${IMAGE_PREFIX}/*`)).map((image) => ({
          tags: image.tags,
          id: image.id,
          created: image.created,
          size: image.size,
          target: image.labels[LABEL.target],
          containerfileSha256: image.labels[LABEL.containerfile],
          depsKey: image.labels[LABEL.depsKey],
        }));
        output(command, { engine: engine.name, images: list }, () =>
          list.length === 0
            ? `no freshet images in ${engine.name}; run freshet images bootstrap <target>`
            : list
                .map((image) => `${image.tags.join(', ') || '<untagged>'}  ${image.id.slice(0, 12)}  ${(image.size / 1e6).toFixed(0)} MB  ${image.created}`)
                .join('\n'),
        );
        return ExitCode.ok;
      }),
    );
};
