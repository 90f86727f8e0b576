import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/exec.js';
import { renderDebianFiles } from '../../../src/generate/deb/render.js';
import { CASES, renderInput } from './cases.js';

/**
 * debian/rules as rendered, run by the real GNU make: the custom build and install steps and the
 * recipe's build environment must reach the shell literally. Only override targets that run the
 * recipe's own commands are made, so no dh tool is involved.
 */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'freshet-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** One-line arguments with everything make or the shell could read: `$`, backticks, quotes, `;`, `%`, `#`, backslashes. */
const ARGS = ['$HOME', '`id`', "it's", '"double"', 'a;b', '100%', '%.o', '#hash', 'back\\slash', 'trailing\\', '$(shell id)', '${PATH}', '$$', '*', ''];
/** Environment values: make refuses `#` and a trailing backslash there (see makeValue). */
const ENV = { FRESHET_A: '$HOME `id`', FRESHET_B: "it's \"quoted\"; 100% $(shell id)", FRESHET_C: 'back\\slash ${PATH} $$ *' };

async function rules(): Promise<string> {
  const input = renderInput(CASES[0]!);
  input.recipe.build = {
    system: 'custom',
    env: ENV,
    steps: {
      build: [['printf', '%s\\0', ...ARGS]],
      install: [['sh', '-c', 'printf "%s\\0" "$DESTDIR" "$FRESHET_A" "$FRESHET_B" "$FRESHET_C"']],
    },
  };
  const dir = mkdtempSync(path.join(scratch, 'tree-'));
  mkdirSync(path.join(dir, 'debian'));
  const file = (await renderDebianFiles(input)).find((item) => item.path === 'debian/rules')!;
  writeFileSync(path.join(dir, 'debian/rules'), file.content);
  return dir;
}

const make = async (dir: string, target: string) =>
  (await run('make', ['-s', '-f', 'debian/rules', target], { cwd: dir })).stdout.split('\0').slice(0, -1);

describe('debian/rules through the real make and sh', () => {
  it('passes every custom step argument to the command literally', async () => {
    const dir = await rules();
    expect(await make(dir, 'override_dh_auto_build')).toEqual(ARGS);
  });

  it('exports the build environment literally and sets DESTDIR for install steps', async () => {
    const dir = await rules();
    expect(await make(dir, 'override_dh_auto_install')).toEqual([path.join(dir, 'debian/hello'), ENV.FRESHET_A, ENV.FRESHET_B, ENV.FRESHET_C]);
  });
});
