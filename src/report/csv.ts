import { redact } from '../core/redact.js';
import type { StatusDocument } from './schema.js';

/**
 * status.csv: one row per recipe × target (RFC 4180). A cell that a spreadsheet would read as a
 * formula (starting with = + - @, or a tab or carriage return) is prefixed with a quote.
 */
export const CSV_COLUMNS = [
  'recipe',
  'target',
  'state',
  'upstream_newest',
  'distro_ships',
  'freshet_publishes',
  'published_at',
  'build_status',
  'gate_status',
  'lint_errors',
  'lint_warnings',
  'lag_seconds',
  'lag_ongoing',
  'note',
  'error',
] as const;

export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = redact(String(value));
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function statusCsv(doc: StatusDocument): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const recipe of doc.recipes) {
    const checkError = recipe.check && !recipe.check.ok ? `upstream check: ${recipe.check.error ?? 'failed'}` : null;
    for (const cell of recipe.cells) {
      const build = cell.build;
      const buildError = cell.state === 'failed' ? (build?.error ?? build?.gate?.reason ?? null) : null;
      const row = [
        recipe.name,
        cell.target,
        cell.state,
        cell.newest,
        cell.shipped,
        cell.published,
        cell.publishedAt,
        build?.status ?? null,
        build?.gate?.status ?? null,
        build?.lint?.errors ?? null,
        build?.lint?.warnings ?? null,
        cell.lag?.seconds ?? null,
        cell.lag ? cell.lag.ongoing : null,
        cell.note,
        [buildError, checkError].filter(Boolean).join('; ') || null,
      ];
      lines.push(row.map(csvCell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
