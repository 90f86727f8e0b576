import type { StateStore } from '../state/store.js';
import type { RecipeGraph } from './graph.js';
import type { JobOutcome, RunSummary } from './run.js';

/**
 * What the status report needs of a run's chains (issue 15): each chain of the run with its edges,
 * and each build the run kept out because of another build of its chain (waiting or held). A build
 * the run attempted or published clears its record.
 */
export function recordChains(state: StateStore, order: RunSummary['order'], graphs: ReadonlyMap<string, RecipeGraph>, jobs: readonly JobOutcome[], at: string): void {
  for (const { targetId, chains } of order) {
    const needs = graphs.get(targetId)?.needs;
    for (const members of chains) {
      const edges = members.flatMap((dependent) =>
        [...(needs?.get(dependent)?.keys() ?? [])].filter((provider) => members.includes(provider)).sort().map((provider) => ({ provider, dependent })),
      );
      state.recordChain({ targetId, members, edges, recordedAt: at });
    }
  }
  for (const job of jobs) {
    const { recipe, targetId, packageVersion } = job.action;
    if ((job.status === 'waiting' || job.status === 'held') && job.blockedBy) {
      state.setBlocked({ recipe, targetId, packageVersion, status: job.status, blockedBy: job.blockedBy, at });
    } else {
      state.clearBlocked(recipe, targetId);
    }
  }
}
