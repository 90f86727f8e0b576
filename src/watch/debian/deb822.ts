/** deb822 paragraphs, read permissively: unknown fields and odd spacing are fine. */
export function* paragraphs(text: string): Generator<Map<string, string>> {
  for (const block of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    let current: string | undefined;
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      if ((line.startsWith(' ') || line.startsWith('\t')) && current) {
        fields.set(current, `${fields.get(current)}\n${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      current = line.slice(0, colon).trim().toLowerCase();
      fields.set(current, line.slice(colon + 1).trim());
    }
    if (fields.size > 0) yield fields;
  }
}
