import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { openStateClearingKilledRuns } from '../../pipeline/run-guard.js';
import { statusTable } from '../../report/terminal.js';
import { buildStatus } from '../../report/write.js';
import { configFor, output } from '../context.js';

export async function status(command: Command): Promise<ExitCode> {
  const config = await configFor(command);
  const state = await openStateClearingKilledRuns(config);
  try {
    const doc = await buildStatus(config, state);
    output(command, doc, () => statusTable(doc));
    return ExitCode.ok;
  } finally {
    state.close();
  }
}
