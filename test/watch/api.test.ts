import { readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Upstream } from '../../src/recipe/schema.js';
import { sources } from '../../src/watch/api.js';

const watchDir = new URL('../../src/watch/', import.meta.url);
const folders = readdirSync(watchDir).filter((entry) => statSync(new URL(entry, watchDir)).isDirectory());

describe('upstream source registry', () => {
  it('registers exactly the plugin folders', () => {
    expect(Object.keys(sources).sort()).toEqual(folders.sort());
  });

  it('registers each plugin under its own kind, with the schema the recipe union uses', () => {
    const unionKinds = Upstream.options.map((option) => option.shape.kind.value).sort();
    expect(unionKinds).toEqual(Object.keys(sources).sort());
    for (const [kind, source] of Object.entries(sources)) expect(source.kind).toBe(kind);
  });

  it.each(folders)('%s has index.ts, schema.ts, readme.md and example.yaml', (folder) => {
    expect(readdirSync(new URL(`${folder}/`, watchDir)).sort()).toEqual(expect.arrayContaining(['example.yaml', 'index.ts', 'readme.md', 'schema.ts']));
  });
});

describe('plugin examples', () => {
  it.each(folders)('%s/example.yaml is a valid upstream section of its kind', async (folder) => {
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const example = parse(readFileSync(new URL(`${folder}/example.yaml`, watchDir), 'utf8')) as { upstream: unknown };
    const source = sources[folder as keyof typeof sources];
    const parsed = source.schema.safeParse(example.upstream);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect((parsed.data as { kind: string }).kind).toBe(folder);
  });
});

describe('docs/upstreams.md', () => {
  it.each(folders)('documents %s and every field of its schema', async (folder) => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/upstreams.md', import.meta.url), 'utf8');
    const start = doc.indexOf(`\n## \`${folder}\`\n`);
    expect(start).toBeGreaterThan(-1);
    const end = doc.indexOf('\n## ', start + 1);
    const section = doc.slice(start, end === -1 ? undefined : end);
    const common = doc.slice(doc.indexOf('## Fields every kind accepts'), doc.indexOf('\n## `'));
    const shape = (sources[folder as keyof typeof sources].schema as unknown as { shape: Record<string, unknown> }).shape;
    for (const field of Object.keys(shape)) expect(section.includes(`\`${field}\``) || common.includes(`\`${field}\``), field).toBe(true);
  });
});
