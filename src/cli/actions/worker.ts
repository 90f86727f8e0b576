import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode, UserError } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { hostArch } from '../../farm/protocol.js';
import { startWorker } from '../../farm/worker/worker.js';
import type { WorkerCommandOptions } from '../commands/worker.js';

function positive(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UserError(`${flag} ${value}: must be a positive whole number`);
  return number;
}

/** Runs until SIGTERM or SIGINT; the job in progress is finished first (systemd waits for it). */
export async function worker(options: WorkerCommandOptions): Promise<ExitCode> {
  if (!/^rediss?:\/\//.test(options.queue)) throw new UserError(`--queue ${options.queue}: must be a redis:// or rediss:// URL`);
  if (!/^https?:\/\//.test(options.coordinator)) throw new UserError(`--coordinator ${options.coordinator}: must be an http:// or https:// URL`);
  const token = readFileSync(options.tokenFile, 'utf8').trim();
  if (!token) throw new UserError(`${options.tokenFile}: empty; it holds the worker's token`);
  const targets = options.targets.split(',').map((target) => target.trim()).filter(Boolean);
  if (targets.length === 0) throw new UserError('--targets: name at least one target');
  if (options.engine !== 'podman' && options.engine !== 'docker') throw new UserError(`--engine ${options.engine}: must be podman or docker`);
  const running = startWorker({
    queue: options.queue,
    coordinator: options.coordinator,
    token,
    name: options.name ?? os.hostname(),
    targets,
    arch: options.arch ?? hostArch(),
    workDir: path.resolve(options.workDir),
    engine: options.engine,
    concurrency: positive('--concurrency', options.concurrency),
    lockMs: positive('--lock-seconds', options.lockSeconds) * 1000,
    heartbeatMs: positive('--heartbeat-seconds', options.heartbeatSeconds) * 1000,
  });
  await running.ready();
  log.info('farm worker ready', { targets, arch: options.arch ?? hostArch() });
  process.stderr.write(`freshet worker: taking jobs for ${targets.join(', ')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await running.close();
  return ExitCode.ok;
}
