import { builtBy, farmLines } from './farm.js';
import { formatDuration } from './format.js';
import type { StatusDocument } from './schema.js';

/**
 * `freshet status` for people: one row per recipe × target. Text from upstreams could carry
 * terminal escape sequences, so control characters are shown as `?`.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

export function statusTable(doc: StatusDocument): string {
  // With a farm, who built and gated each latest build (the embedded mode's table is as before).
  const header = ['RECIPE', 'TARGET', 'STATE', 'UPSTREAM', 'DISTRO', 'FRESHET', 'LAG', ...(doc.farm ? ['WORKER'] : []), 'NOTE'];
  const rows = doc.recipes.flatMap((recipe) =>
    recipe.cells.map((cell) => [
      recipe.name,
      cell.target,
      cell.state,
      cell.newest ?? '-',
      cell.shipped ?? '-',
      cell.published ?? '-',
      cell.lag ? `${formatDuration(cell.lag.seconds)}${cell.lag.ongoing ? ' (so far)' : ''}` : '-',
      ...(doc.farm ? [(cell.build && builtBy(cell.build)?.replace(/^on /, '')) ?? '-'] : []),
      cell.note ?? '',
    ]),
  );
  const table = [header, ...rows].map((row) => row.map(printable));
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  const lines = table.map((row) => row.map((value, column) => (column === row.length - 1 ? value : value.padEnd(widths[column]!))).join('  ').trimEnd());
  const failing = doc.recipes.filter((recipe) => recipe.check && !recipe.check.ok);
  for (const recipe of failing) lines.push(`${printable(recipe.name)}: upstream check failed: ${printable(recipe.check?.error ?? '')}`);
  const scheduled = doc.recipes.filter((recipe) => recipe.nextCheckAt !== undefined);
  if (scheduled.length > 0) lines.push(`next checks by freshet serve: ${scheduled.map((recipe) => `${printable(recipe.name)} ${recipe.nextCheckAt ?? 'now'}`).join(', ')}`);
  if (doc.archive.keyWarning) lines.push(`archive signing key: ${printable(doc.archive.keyWarning)}`);
  if (doc.farm) lines.push(...farmLines(doc.farm).map(printable));
  if (doc.recipes.length === 0) lines.push('no recipes');
  return lines.join('\n');
}
