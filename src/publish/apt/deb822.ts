/**
 * deb822 stanzas (Debian Policy §5.1) as ordered [field, value] pairs; a multi-line value keeps
 * its continuation lines (each starting with a space) after the first line.
 */
export type Stanza = Array<[string, string]>;

/** The text inside a clearsigned file, or the text itself when it is not signed. */
export function stripSignature(text: string): string {
  const begin = text.indexOf('-----BEGIN PGP SIGNED MESSAGE-----');
  if (begin < 0) return text;
  const body = text.indexOf('\n\n', begin);
  const end = text.indexOf('\n-----BEGIN PGP SIGNATURE-----', body);
  const signed = text.slice(body + 2, end < 0 ? undefined : end + 1);
  return signed.replace(/^- /gm, '');
}

export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.length > 0) stanzas.push(current);
      current = [];
    } else if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = current.at(-1);
      if (last) last[1] += `\n${line}`;
    } else if (!line.startsWith('#')) {
      const colon = line.indexOf(':');
      // dpkg and apt skip blanks before the colon: `Essential : yes` is Essential.
      if (colon > 0) current.push([line.slice(0, colon).trimEnd(), line.slice(colon + 1).trim()]);
    }
  }
  if (current.length > 0) stanzas.push(current);
  return stanzas;
}

export function field(stanza: Stanza, name: string): string | undefined {
  const lower = name.toLowerCase();
  return stanza.find(([key]) => key.toLowerCase() === lower)?.[1];
}

export function formatStanza(stanza: Stanza): string {
  return stanza.map(([key, value]) => (value.startsWith('\n') ? `${key}:${value}` : `${key}: ${value}`)).join('\n');
}

/** Lines of a multi-line field such as `Files` or `SHA256`, each split on whitespace. */
export function fieldRows(stanza: Stanza, name: string): string[][] {
  const value = field(stanza, name) ?? '';
  return value
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/));
}
