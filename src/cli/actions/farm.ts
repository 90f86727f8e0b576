import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import * as workers from '../../farm/coordinator/workers-config.js';
import { configFor, output } from '../context.js';

export async function addWorker(name: string, options: { replace?: boolean }, command: Command): Promise<ExitCode> {
  const { file } = await configFor(command);
  const added = await workers.addWorker(file, name, options);
  process.stderr.write(`${file}: farm.workers: ${name} recorded with the sha256 of its token. The token is shown only now: put it on the worker (a file only the worker's user can read) and restart the coordinator.\n`);
  output(command, added, () => added.token);
  return ExitCode.ok;
}

export async function removeWorker(name: string, command: Command): Promise<ExitCode> {
  const { file } = await configFor(command);
  await workers.removeWorker(file, name);
  output(command, { name, removed: true }, () => `${file}: farm.workers: ${name} removed; restart the coordinator`);
  return ExitCode.ok;
}
