import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import type { PublishOptions } from '../../src/cli/commands/publish.js';

/** What `freshet publish` hands its action for `args`, read through the real command definition. */
async function parsed(args: string[]): Promise<{ files: string[]; options: PublishOptions }> {
  const program = await buildProgram(['publish']);
  let seen: { files: string[]; options: PublishOptions } | undefined;
  program.commands[0]!.action((files: string[], options: PublishOptions) => {
    seen = { files, options };
  });
  await program.parseAsync(['publish', ...args], { from: 'user' });
  return seen!;
}

describe('freshet publish options', () => {
  it('--remove takes every package that follows it', async () => {
    expect(await parsed(['--remove', 'hello', 'tock=1.0-1'])).toEqual({ files: [], options: { remove: ['hello', 'tock=1.0-1'] } });
  });

  it('results before --remove stay results', async () => {
    expect(await parsed(['one.json', '--remove', 'hello'])).toEqual({ files: ['one.json'], options: { remove: ['hello'] } });
  });
});
