import type { CellState, RecipeStatus } from './schema.js';

/** Human durations: `45 min`, `3 h 20 min`, `4 d 2 h`. */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** `2025-06-01 12:30 UTC`: stable across the server's timezone. */
export function formatTime(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// Worst first: the recipe badge shows the most urgent state among its targets.
const severity: CellState[] = ['failed', 'outdated', 'pending', 'unknown', 'newest', 'distro-current', 'skipped'];

/** One state for a whole recipe: the most urgent of its targets. */
export function overallState(recipe: Pick<RecipeStatus, 'cells'>): CellState {
  for (const state of severity) if (recipe.cells.some((cell) => cell.state === state)) return state;
  return 'unknown';
}

/** The version a recipe badge shows: the newest freshet has live anywhere, else upstream's. */
export function badgeVersion(recipe: Pick<RecipeStatus, 'cells' | 'newest'>): string | null {
  const live = recipe.cells.find((cell) => cell.published && cell.published === recipe.newest);
  return live?.published ?? recipe.cells.find((cell) => cell.published)?.published ?? recipe.newest;
}

export const stateDescriptions: Record<CellState, string> = {
  newest: 'freshet publishes upstream’s newest release',
  outdated: 'freshet publishes an older release than upstream’s newest',
  'distro-current': 'the distribution itself ships upstream’s newest release',
  failed: 'the build or install test of the newest release failed; the previous version (if any) is still served',
  pending: 'seen upstream, not yet built or published',
  skipped: 'the recipe skips this target (reason shown)',
  unknown: 'no upstream release known yet',
};
