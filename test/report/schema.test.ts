import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { STATUS_SCHEMA_VERSION, StatusDocument, statusJsonSchema } from '../../src/report/schema.js';
import { writeStatus } from '../../src/report/write.js';
import { makeFixture, NOW } from './fixture.js';

const fixture = makeFixture();
afterAll(() => fixture.state.close());

describe('status.json schema', () => {
  it('docs/status.schema.json is the one generated from src/report/schema.ts', () => {
    const committed = JSON.parse(readFileSync(new URL('../../docs/status.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(committed).toEqual(statusJsonSchema());
    expect((committed as { schemaVersion: number }).schemaVersion).toBe(STATUS_SCHEMA_VERSION);
  });

  it('a written status.json validates and carries the schema version', async () => {
    await writeStatus(fixture.config, fixture.state, NOW, { recipes: fixture.recipes, fingerprint: null });
    const written = JSON.parse(readFileSync(`${fixture.config.archiveDir}/status.json`, 'utf8')) as unknown;
    const parsed = StatusDocument.parse(written);
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.recipes.map((recipe) => recipe.name)).toEqual(['hello', 'frob']);
  });

  it('refuses a document with an unknown state or an extra field', () => {
    const doc = { schemaVersion: 1, generatedAt: NOW.toISOString(), archive: { url: 'http://x/', fingerprint: null }, targets: [], recipes: [] };
    expect(StatusDocument.safeParse(doc).success).toBe(true);
    expect(StatusDocument.safeParse({ ...doc, schemaVersion: 2 }).success).toBe(false);
    expect(StatusDocument.safeParse({ ...doc, extra: true }).success).toBe(false);
  });
});
