import { formatDuration, formatTime } from './format.js';
import { html, type SafeHtml } from './html-template.js';
import type { LagPoint } from './schema.js';

/**
 * Lag over time as inline SVG, drawn on the server: one line per target, x = when the package went
 * live, y = how long after upstream's release. Markers differ in shape as well as colour.
 */
const WIDTH = 680;
const HEIGHT = 260;
const LEFT = 64;
const RIGHT = 150;
const TOP = 16;
const BOTTOM = 40;
const palette = ['#1565c0', '#c62828', '#2e7d32', '#6a4fb3', '#a15c00', '#00838f'];

/** Axis labels stay short: `2.5 h`, `3 d`. */
function axisLabel(hours: number): string {
  return hours < 48 ? `${Number(hours.toFixed(2))} h` : `${Number((hours / 24).toFixed(1))} d`;
}

function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function marker(shape: number, x: number, y: number, colour: string, label: string): SafeHtml {
  const title = html`<title>${label}</title>`;
  const cx = x.toFixed(1);
  const cy = y.toFixed(1);
  if (shape % 3 === 1) return html`<rect x="${(x - 4).toFixed(1)}" y="${(y - 4).toFixed(1)}" width="8" height="8" fill="${colour}">${title}</rect>`;
  if (shape % 3 === 2) {
    const points = `${cx},${(y - 5).toFixed(1)} ${(x + 5).toFixed(1)},${(y + 4).toFixed(1)} ${(x - 5).toFixed(1)},${(y + 4).toFixed(1)}`;
    return html`<polygon points="${points}" fill="${colour}">${title}</polygon>`;
  }
  return html`<circle cx="${cx}" cy="${cy}" r="4.5" fill="${colour}">${title}</circle>`;
}

export function lagPlot(points: readonly LagPoint[], recipe: string): SafeHtml {
  if (points.length === 0) return html`<p class="muted">No publications yet, so no lag to plot.</p>`;
  const times = points.map((point) => Date.parse(point.publishedAt));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const span = Math.max(last - first, 86_400_000);
  const maxHours = niceCeiling(Math.max(...points.map((point) => point.seconds / 3600)));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const xOf = (time: number) => LEFT + ((time - first) / span) * plotWidth;
  const yOf = (seconds: number) => TOP + plotHeight - (seconds / 3600 / maxHours) * plotHeight;
  const targets = [...new Set(points.map((point) => point.target))];
  const grid = [0, 0.25, 0.5, 0.75, 1].map((fraction) => {
    const y = TOP + plotHeight - fraction * plotHeight;
    return html`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${y}" y2="${y}" class="grid"/><text x="${LEFT - 6}" y="${y + 4}" text-anchor="end">${axisLabel(fraction * maxHours)}</text>`;
  });
  const xLabels = (first === last ? [first] : [first, last]).map(
    (time, index) =>
      html`<text x="${xOf(time)}" y="${HEIGHT - BOTTOM + 18}" text-anchor="${index === 0 ? 'start' : 'end'}">${formatTime(new Date(time).toISOString()).slice(0, 10)}</text>`,
  );
  const series = targets.map((target, index) => {
    const colour = palette[index % palette.length]!;
    const mine = points.filter((point) => point.target === target).sort((a, b) => Date.parse(a.publishedAt) - Date.parse(b.publishedAt));
    const line = mine.map((point) => `${xOf(Date.parse(point.publishedAt)).toFixed(1)},${yOf(point.seconds).toFixed(1)}`).join(' ');
    const legendY = TOP + 14 + index * 20;
    return html`<g><polyline points="${line}" fill="none" stroke="${colour}" stroke-width="2"/>${mine.map((point) =>
      marker(index, xOf(Date.parse(point.publishedAt)), yOf(point.seconds), colour, `${target} ${point.upstreamVersion}: ${formatDuration(point.seconds)}`),
    )}${marker(index, WIDTH - RIGHT + 20, legendY - 4, colour, target)}<text x="${WIDTH - RIGHT + 32}" y="${legendY}">${target}</text></g>`;
  });
  return html`<svg class="plot" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-labelledby="plot-title plot-desc" xmlns="http://www.w3.org/2000/svg">
<title id="plot-title">Freshness lag of ${recipe} over time</title>
<desc id="plot-desc">Time from upstream release to publication, per target; the table below holds the same numbers.</desc>
${grid}
<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + plotHeight}" class="axis"/><line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${TOP + plotHeight}" y2="${TOP + plotHeight}" class="axis"/>
${xLabels}
<text x="${LEFT + plotWidth / 2}" y="${HEIGHT - 4}" text-anchor="middle" class="muted">published</text>
${series}
</svg>`;
}
