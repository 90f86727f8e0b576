import { escapeHtml } from '../serve/static.js';

/**
 * A tagged template that escapes every interpolated value for HTML text and quoted attributes.
 * Only fragments made by `html` itself pass through unescaped, so text from recipes and upstreams
 * can never become markup.
 */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value instanceof SafeHtml) return value.text;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map((item: Value) => render(item)).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] ?? '';
  for (const [index, value] of values.entries()) out += render(value) + (strings[index + 1] ?? '');
  return new SafeHtml(out);
}

/** An href for a URL from a recipe: only http(s) links, anything else becomes inert. */
export function externalHref(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : '#';
  } catch {
    return '#';
  }
}

/** A relative link to a file in the archive, each path segment percent-encoded. */
export function localHref(relative: string): string {
  return relative.split('/').map(encodeURIComponent).join('/');
}
