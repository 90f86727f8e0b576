import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildResultSchema, plainlyValid, readResult } from '../../src/cli/actions/build-result.js';

const artifact = { file: 'hello_1.0-1_amd64.deb', kind: 'deb', size: 1234, sha256: 'a'.repeat(64), extra: 'kept' };
const valid = { jobId: 'j', recipe: 'hello', targetId: 'debian-12', packageVersion: '1.0-1', status: 'ok', artifacts: [artifact], logFile: '' };

// Each breaks one rule of the schema.
const broken: Array<[string, unknown]> = [
  ['not an object', []],
  ['recipe missing', { ...valid, recipe: undefined }],
  ['recipe a path', { ...valid, recipe: '../hello' }],
  ['recipe a file name', { ...valid, recipe: 'hello.yaml' }],
  ['targetId a number', { ...valid, targetId: 12 }],
  ['empty packageVersion', { ...valid, packageVersion: '' }],
  ['unknown status', { ...valid, status: 'maybe' }],
  ['artifacts not a list', { ...valid, artifacts: {} }],
  ['artifact null', { ...valid, artifacts: [null] }],
  ['artifact file missing', { ...valid, artifacts: [{ ...artifact, file: undefined }] }],
  ['unknown kind', { ...valid, artifacts: [{ ...artifact, kind: 'tarball' }] }],
  ['fractional size', { ...valid, artifacts: [{ ...artifact, size: 1.5 }] }],
  ['negative size', { ...valid, artifacts: [{ ...artifact, size: -1 }] }],
  ['size a string', { ...valid, artifacts: [{ ...artifact, size: '12' }] }],
  ['uppercase sha256', { ...valid, artifacts: [{ ...artifact, sha256: 'A'.repeat(64) }] }],
];

describe('build-result files', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-result-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the plain check and the schema both take a valid result, failed builds too', async () => {
    const schema = await buildResultSchema();
    for (const result of [valid, { ...valid, status: 'failed', artifacts: [] }]) {
      expect(plainlyValid(result)).toBe(true);
      expect(schema.safeParse(result).success).toBe(true);
    }
  });

  it.each(broken)('the plain check and the schema both refuse a result with %s', async (_, result) => {
    expect(plainlyValid(result)).toBe(false);
    expect((await buildResultSchema()).safeParse(result).success).toBe(false);
  });

  it('reads a valid result with its artifact paths made absolute and unknown keys kept', async () => {
    const file = path.join(dir, 'valid.json');
    writeFileSync(file, JSON.stringify(valid));
    const result = await readResult(file);
    expect(result.artifacts).toEqual([{ ...artifact, file: path.join(dir, artifact.file) }]);
    expect((result as unknown as { jobId: string }).jobId).toBe('j');
  });

  it("refuses an invalid result with the schema's message", async () => {
    const file = path.join(dir, 'invalid.json');
    writeFileSync(file, JSON.stringify({ ...valid, recipe: 'hello.yaml' }));
    await expect(readResult(file)).rejects.toThrow(`${file}: recipe: a recipe name, not a file`);
  });
});
