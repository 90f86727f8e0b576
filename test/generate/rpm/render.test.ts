import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSpec } from '../../../src/generate/rpm/render.js';
import { CASES, GOLDEN, specInput } from './cases.js';

/**
 * Golden specs: the exact bytes for hello (one package, file list from the install tree) and two
 * libraries (main + -devel + tools). UPDATE_GOLDEN=1 rewrites them after a deliberate change.
 */
describe('spec golden files', () => {
  for (const testCase of CASES) {
    it(`${testCase.recipe} for ${testCase.target.id}`, () => {
      const spec = renderSpec(specInput(testCase));
      const file = path.join(GOLDEN, testCase.recipe, testCase.target.id, `${testCase.recipe}.spec`);
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, spec);
      }
      expect(spec).toBe(readFileSync(file, 'utf8'));
    });
  }
});
