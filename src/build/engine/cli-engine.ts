import { appendFileSync, lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../core/errors.js';
import { run, type RunResult } from '../../core/exec.js';
import { findShortage, shortageMessage, watchDisk, type DiskShortage } from './disk-guard.js';
import { buildArguments, checkImageRef, importArguments, runArguments } from './args.js';
import type { BuildSpec, ContainerEngine, ContainerInfo, EngineName, ImageInfo, RunControl, RunSpec } from './types.js';

/** What differs between podman and docker; everything else is shared. */
export interface EngineDialect {
  name: EngineName;
  binary: string;
  /** Environment for the engine client itself (never passed into containers). */
  env: () => Record<string, string>;
  /** Arguments that remove containers at once, without a stop grace period. */
  forceRemove: string[];
  /** Arguments that print the folder holding images and containers' writable layers. */
  storageRootQuery: string[];
  /**
   * A command the image build runs under, so that it ends with freshet however freshet ends. podman
   * builds in its own client process: its RUN steps are no labelled containers and outlive a
   * SIGKILLed freshet (the watchdog cannot see them). docker builds in the daemon and cancels a
   * build whose client is gone.
   */
  buildWrapper?: () => string[];
}

const QUERY_TIMEOUT_MS = 60_000;

let workDir: string | undefined;
/**
 * conmon leaves a file named `oom` in its working folder when a container is OOM-killed: the
 * engine runs in one private folder per user (mode 0700, checked to be the user's own folder and
 * not a link someone planted in /tmp), not in the user's working folder.
 */
function engineWorkDir(): string {
  if (!workDir) {
    const uid = process.getuid?.() ?? 0;
    const dir = path.join(os.tmpdir(), `freshet-engine-${uid}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stats = lstatSync(dir);
    if (!stats.isDirectory() || stats.uid !== uid || (stats.mode & 0o077) !== 0) {
      throw new UserError(`${dir}: not a private folder of this user; remove it`);
    }
    workDir = dir;
  }
  return workDir;
}

const labels = z.record(z.string(), z.string()).nullish().transform((value) => value ?? {});
// podman prints bare ids, docker prefixes them with `sha256:`; both nest labels under Config.
const ImageInspect = z.array(
  z.object({
    Id: z.string().transform((id) => id.replace(/^sha256:/, '')),
    RepoTags: z.array(z.string()).nullish(),
    Created: z.string(),
    Size: z.number(),
    Config: z.object({ Labels: labels }).nullish(),
  }),
);
const ContainerInspect = z.array(
  z.object({ Id: z.string(), Name: z.string(), Config: z.object({ Labels: labels }).nullish() }),
);

export function createCliEngine(dialect: EngineDialect): ContainerEngine {
  const call = (args: string[], options: RunControl & { timeoutMs?: number; wrapper?: string[] } = {}): Promise<RunResult> => {
    const [file, ...rest] = [...(options.wrapper ?? []), dialect.binary, ...args];
    return run(file!, rest, {
      env: dialect.env(),
      cwd: engineWorkDir(),
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      logFile: options.logFile,
      allowFailure: options.allowFailure,
    });
  };

  const inspectImages = async (refs: string[]): Promise<ImageInfo[]> => {
    if (refs.length === 0) return [];
    const result = await call(['image', 'inspect', ...refs], { timeoutMs: QUERY_TIMEOUT_MS, allowFailure: true });
    if (result.exitCode !== 0) return [];
    return ImageInspect.parse(JSON.parse(result.stdout)).map((image) => ({
      id: image.Id,
      tags: image.RepoTags ?? [],
      created: image.Created,
      size: image.Size,
      labels: image.Config?.Labels ?? {},
    }));
  };

  let storageRootPromise: Promise<string[]> | undefined;
  /** The engine's storage folder, asked once; none when the engine will not say. */
  const storageRoot = (): Promise<string[]> =>
    (storageRootPromise ??= call(dialect.storageRootQuery, { timeoutMs: QUERY_TIMEOUT_MS, allowFailure: true }).then((result) =>
      result.exitCode === 0 && result.stdout.trim().startsWith('/') ? [result.stdout.trim()] : [],
    ));

  const removeContainers = async (ids: readonly string[]): Promise<void> => {
    if (ids.length === 0) return;
    await call([...dialect.forceRemove, ...ids], { timeoutMs: QUERY_TIMEOUT_MS, allowFailure: true });
  };

  return {
    name: dialect.name,

    async inspectImage(ref) {
      const [image] = await inspectImages([checkImageRef(ref)]);
      return image;
    },

    async listImages(pattern) {
      const ids = await call(['image', 'ls', '--quiet', '--no-trunc', `--filter=reference=${pattern}`], { timeoutMs: QUERY_TIMEOUT_MS });
      return inspectImages([...new Set(ids.stdout.split('\n').filter(Boolean))]);
    },

    async importRootfs(tarball, ref, imageLabels) {
      await call(importArguments(tarball, ref, imageLabels), { timeoutMs: 30 * 60_000 });
    },

    async buildImage(spec: BuildSpec, control = {}) {
      await call(buildArguments(spec), { ...control, timeoutMs: 60 * 60_000, wrapper: dialect.buildWrapper?.() });
    },

    async run(spec: RunSpec, control = {}) {
      const guard = control.diskGuard && { ...control.diskGuard, paths: [...control.diskGuard.paths, ...(await storageRoot())] };
      let shortage: DiskShortage | undefined;
      const stoppedForDisk = () => {
        const message = shortageMessage(shortage!);
        try {
          if (control.logFile) appendFileSync(control.logFile, `\nfreshet: ${message}\n`);
        } catch {
          // The log may sit on the very disk that ran out; the error still says why.
        }
        return new UserError(message, { hint: 'free space there, or lower what the build writes' });
      };
      shortage = guard && (await findShortage(guard));
      if (shortage) throw stoppedForDisk();
      // Killing the engine client leaves the container to a grace period: remove it at once instead.
      const stop = () => void removeContainers([spec.name]);
      control.signal?.addEventListener('abort', stop, { once: true });
      const timer = spec.timeoutMs === undefined ? undefined : setTimeout(stop, spec.timeoutMs);
      let removing: NodeJS.Timeout | undefined;
      const unwatch = guard
        ? watchDisk(guard, (found) => {
            shortage = found;
            // The container may not exist yet: keep removing it until the run returns.
            stop();
            removing = setInterval(stop, 1000);
          })
        : () => undefined;
      let result: RunResult;
      try {
        result = await call(runArguments(spec, dialect.name), { ...control, timeoutMs: spec.timeoutMs });
      } catch (error) {
        await removeContainers([spec.name]);
        throw shortage ? stoppedForDisk() : error;
      } finally {
        unwatch();
        clearInterval(removing);
        clearTimeout(timer);
        control.signal?.removeEventListener('abort', stop);
      }
      if (result.timedOut || control.signal?.aborted) await removeContainers([spec.name]);
      if (shortage) throw stoppedForDisk();
      return result;
    },

    async commit(container, ref, changes) {
      await call(['commit', ...changes.map((change) => `--change=${change}`), container, checkImageRef(ref)], {
        timeoutMs: 30 * 60_000,
      });
    },

    async listContainers(labelKey) {
      const ids = await call(['ps', '--all', '--quiet', '--no-trunc', `--filter=label=${labelKey}`], { timeoutMs: QUERY_TIMEOUT_MS });
      const list = ids.stdout.split('\n').filter(Boolean);
      if (list.length === 0) return [];
      // A container may vanish between the listing and the inspection.
      const inspected = await call(['container', 'inspect', ...list], { timeoutMs: QUERY_TIMEOUT_MS, allowFailure: true });
      if (!inspected.stdout.trim().startsWith('[')) return [];
      return ContainerInspect.parse(JSON.parse(inspected.stdout)).map(
        (container): ContainerInfo => ({
          id: container.Id,
          name: container.Name.replace(/^\//, ''),
          labels: container.Config?.Labels ?? {},
        }),
      );
    },

    removeContainers,
  };
}
