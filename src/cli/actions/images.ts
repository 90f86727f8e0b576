import type { Command } from 'commander';
import { getEngine } from '../../build/engine/api.js';
import { bootstrapBase, ensureBuilderImage, IMAGE_PREFIX, LABEL, type ImageOutcome } from '../../build/images.js';
import { findTarget } from '../../config/load.js';
import { ExitCode } from '../../core/errors.js';
import type { BootstrapOptions } from '../commands/images.js';
import { configFor, output } from '../context.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const describe = (outcome: ImageOutcome) => `${outcome.ref} ${outcome.how} (${outcome.id.slice(0, 12)}, ${seconds(outcome.durationMs)})`;

export async function bootstrap(targetId: string, options: BootstrapOptions, command: Command): Promise<ExitCode> {
  const config = await configFor(command);
  const context = { engine: getEngine(config.engine), stateDir: config.stateDir };
  const target = findTarget(config, targetId);
  const base = await bootstrapBase(target, context, { force: options.force });
  const builder = options.builder ? await ensureBuilderImage(target, context, { force: options.force }) : undefined;
  output(command, { target: target.id, base, builder }, () => [base, builder].filter((o) => o !== undefined).map(describe).join('\n'));
  return ExitCode.ok;
}

export async function listImages(command: Command): Promise<ExitCode> {
  const config = await configFor(command);
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
}
