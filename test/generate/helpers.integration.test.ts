import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { helpers } from '../../src/generate/helpers.js';

/**
 * The shell and make helpers' output run through the real sh (dash) and GNU make: every value
 * must arrive as one argument or variable, byte for byte.
 */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'freshet-helpers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const call = (name: keyof typeof helpers, ...values: unknown[]) =>
  (helpers[name] as (...args: unknown[]) => string)(...values, { name, ids: values.map((_, i) => `arg${i}`), hash: {} });

/** One-line values a recipe or an upstream could bring: quotes, expansions, separators, comments, escapes. */
const VALUES = [
  '$HOME',
  '`id`',
  "it's",
  '"double"',
  'a;b',
  '100%',
  '%s %{lua: x}',
  '#hash',
  'back\\slash',
  'trailing\\',
  '$(shell id)',
  '${PATH}',
  '$$',
  '*',
  '~root',
  '-n',
  'two  spaces ',
  ' lead',
  'tab\there',
  '!bang',
  'a&b|c<d>e',
  '',
];

let files = 0;
function write(text: string): string {
  const file = path.join(scratch, `file-${files++}`);
  writeFileSync(file, text);
  return file;
}

/** The NUL-terminated arguments a command's printf wrote. */
const args = async (file: string, argv: string[]) => (await run(file, argv)).stdout.split('\0').slice(0, -1);

describe('shell and make helpers through the real sh and make', () => {
  it('shellArg and shellCommand: each value is one literal argument to sh', async () => {
    const script = write(`printf '%s\\0' ${VALUES.map((value) => call('shellArg', value)).join(' ')}\n${call('shellCommand', ['printf', '%s\\0', ...VALUES])}\n`);
    expect(await args('sh', [script])).toEqual([...VALUES, ...VALUES]);
  });

  it('makeArg and makeCommand: each value reaches the recipe shell as one literal argument', async () => {
    const makefile = write(
      `all:\n\t@printf '%s\\0' ${VALUES.map((value) => call('makeArg', value)).join(' ')}\n\t@${call('makeCommand', ['printf', '%s\\0', ...VALUES])}\n`,
    );
    expect(await args('make', ['-s', '-f', makefile])).toEqual([...VALUES, ...VALUES]);
  });

  it('makeValue: an exported variable reaches the recipe shell literally, or the value is refused', async () => {
    const refused = VALUES.filter((value) => {
      try {
        call('makeValue', value);
        return false;
      } catch {
        return true;
      }
    });
    // A comment, a line continuation and leading blanks (make strips them) cannot be written as they are.
    expect(refused).toEqual(['#hash', 'trailing\\', ' lead']);
    const kept = VALUES.filter((value) => !refused.includes(value));
    const makefile = write(
      `${kept.map((value, index) => `export V${index} = ${call('makeValue', value)}\n`).join('')}all:\n\t@printf '%s\\0' ${kept.map((_, index) => `"$$V${index}"`).join(' ')}\n`,
    );
    expect(await args('make', ['-s', '-f', makefile])).toEqual(kept);
  });
});
