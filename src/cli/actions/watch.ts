import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { ExitCode } from '../../core/errors.js';
import { HttpClient } from '../../net/http.js';
import { httpPolicy } from '../../net/policy.js';
import { openStateClearingKilledRuns } from '../../pipeline/run-guard.js';
import { loadRecipes } from '../../recipe/load.js';
import { ParseCache } from '../../recipe/parse-cache.js';
import { targetNeeds, type TargetNeed } from '../../watch/targets.js';
import { watchAll, type WatchOutcome } from '../../watch/watch.js';
import { globalOptions, output } from '../context.js';

interface WatchReport {
  recipe: string;
  ok: boolean;
  error?: string;
  newest?: string;
  /** First seen upstream in this run; `targets` says where it is still missing. */
  isNew: boolean;
  seenAt?: string;
  targets: TargetNeed[];
  warnings: string[];
}

function report(outcome: WatchOutcome, needs: TargetNeed[]): WatchReport {
  return {
    recipe: outcome.recipe,
    ok: !outcome.error,
    error: outcome.error,
    newest: outcome.current?.upstreamVersion,
    isNew: Boolean(outcome.current?.isNew),
    seenAt: outcome.current?.seenAt,
    targets: needs,
    warnings: outcome.warnings,
  };
}

function line(entry: WatchReport): string {
  if (entry.error) return `${entry.recipe}: FAILED ${entry.error}`;
  if (!entry.newest) return `${entry.recipe}: no release found`;
  const wanted = entry.targets.filter((need) => need.needed);
  const where = wanted.length
    ? ` missing on ${wanted.map((need) => `${need.target} (ships ${need.shipped ?? (need.shipped === null ? 'nothing' : 'unknown')})`).join(', ')}`
    : ' (every target has it)';
  return `${entry.recipe}: ${entry.newest}${entry.isNew ? ' NEW' : ''}, seen ${entry.seenAt}${where}`;
}

export async function watch(names: string[], command: Command): Promise<ExitCode> {
  const config = loadConfig(globalOptions(command).config);
  const parseCache = ParseCache.inState(config.stateDir);
  const recipes = loadRecipes(config.recipesDir, names, parseCache);
  parseCache.save();
  const state = await openStateClearingKilledRuns(config);
  const http = new HttpClient(httpPolicy(config));
  const memo = new Map<string, Promise<unknown>>();
  try {
    const outcomes = await watchAll(recipes, config, state, { http, memo });
    const needs = await targetNeeds(config, recipes, outcomes, state, http, memo);
    const reports = outcomes.map((outcome) => report(outcome, needs.get(outcome.recipe) ?? []));
    const failed = reports.filter((entry) => !entry.ok).length;
    output(command, { ok: failed === 0, recipes: reports }, () =>
      [...reports.map(line), `${reports.length - failed} of ${reports.length} upstreams checked`].join('\n'),
    );
    return failed === 0 ? ExitCode.ok : ExitCode.failed;
  } finally {
    http.close();
    state.close();
  }
}
