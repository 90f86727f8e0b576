import type { Command } from 'commander';
import { ExitCode, UserError } from '../../core/errors.js';
import { stateLayout } from '../../pipeline/layout.js';
import { openStateClearingKilledRuns } from '../../pipeline/run-guard.js';
import { acquireLock } from '../../publish/lock.js';
import { configFor, output } from '../context.js';

/** `freshet forget <recipe> [version]`: see StateStore.forgetReleases. */
export async function forget(recipe: string, version: string | undefined, command: Command): Promise<ExitCode> {
  const config = await configFor(command);
  // A run records releases as it watches: refuse rather than delete rows under it, or wait hours for it.
  const lock = await acquireLock(stateLayout(config).runLock, { kind: 'run', holder: 'freshet run', timeoutMs: 0 });
  try {
    const state = await openStateClearingKilledRuns(config);
    try {
      const known = state.releases(recipe).map((row) => row.upstreamVersion);
      if (known.length === 0 || (version !== undefined && !known.includes(version))) {
        throw new UserError(`${recipe}${version ? ` ${version}` : ''}: no such release recorded`, {
          hint: known.length ? `recorded: ${known.join(', ')}` : `run freshet watch ${recipe} first`,
        });
      }
      const forgotten = state.forgetReleases(recipe, version);
      output(command, { recipe, version: version ?? null, forgotten }, () =>
        `${recipe}: forgot ${forgotten} release${forgotten === 1 ? '' : 's'}; the next watch records ${version ? 'it' : 'them'} afresh (builds and publications are kept)`,
      );
      return ExitCode.ok;
    } finally {
      state.close();
    }
  } finally {
    await lock.release();
  }
}
