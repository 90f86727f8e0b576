import { escapeHtml } from '../serve/static.js';
import type { CellState } from './schema.js';

/**
 * Shields-style flat badges: a grey label, a coloured message. Widths come from an estimate of
 * Verdana 11px advance widths (what shields.io measures with), so the text fits without a font
 * on the server. Colours keep white text at a contrast ratio of at least 4.5:1.
 */
export const stateColours: Record<CellState, string> = {
  newest: '#2e7d32',
  'distro-current': '#1565c0',
  outdated: '#a15c00',
  failed: '#c62828',
  pending: '#6a4fb3',
  skipped: '#616161',
  unknown: '#616161',
};

const LABEL_COLOUR = '#555';
const PADDING = 6;

// Advance widths in px at Verdana 11px, rounded to tenths; anything else counts as a wide letter.
const widths: Array<[RegExp, number]> = [
  [/[ilj.,:;'|!]/, 3.4],
  [/[frt()[\]{} \-/\\`]/, 4.6],
  [/[Ia-eg-hknopqsuvxyz"*]/, 6.6],
  [/[0-9#$+<=>?^_~A-HJ-LN-VX-Z&]/, 7.4],
  [/[mwMW%@]/, 10.6],
];

export function textWidth(text: string): number {
  let total = 0;
  for (const char of text) {
    const match = widths.find(([pattern]) => pattern.test(char));
    total += match ? match[1] : 8;
  }
  return Math.ceil(total);
}

/** A badge: label on the left, message on the right, both escaped. */
export function badge(label: string, message: string, colour: string): string {
  const labelWidth = textWidth(label) + 2 * PADDING;
  const messageWidth = textWidth(message) + 2 * PADDING;
  const width = labelWidth + messageWidth;
  const title = escapeHtml(`${label}: ${message}`);
  const labelX = labelWidth / 2;
  const messageX = labelWidth + messageWidth / 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${title}">
<title>${title}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${labelWidth}" height="20" fill="${LABEL_COLOUR}"/><rect x="${labelWidth}" width="${messageWidth}" height="20" fill="${escapeHtml(colour)}"/><rect width="${width}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${labelX}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">${escapeHtml(label)}</text><text x="${labelX}" y="14">${escapeHtml(label)}</text>
<text x="${messageX}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">${escapeHtml(message)}</text><text x="${messageX}" y="14">${escapeHtml(message)}</text>
</g>
</svg>
`;
}

export function stateMessage(state: CellState, version: string | null): string {
  return version ? `${version} | ${state}` : state;
}
