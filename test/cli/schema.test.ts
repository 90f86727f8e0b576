import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../src/cli/actions/schema.js';
import { SCHEMA_FILES } from '../../src/cli/commands/schema.js';

const repo = path.join(import.meta.dirname, '../..');

describe('committed JSON Schemas', () => {
  it.each(Object.entries(SCHEMA_FILES))('%s schema matches the validator (run `npm run schema` after changing it)', (kind, file) => {
    const committed = readFileSync(path.join(repo, file), 'utf8');
    expect(committed).toBe(jsonSchemas()[kind as keyof typeof SCHEMA_FILES]);
  });
});
