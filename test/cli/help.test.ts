import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { IMAGE_PREFIX } from '../../src/build/images.js';
import { commands } from '../../src/cli/commands/index.js';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from './run-cli.js';

/** Every command path (`images list`, …) with the command it names. */
function commandPaths(command: Command, prefix: string[] = []): Array<[string[], Command]> {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return [[path, sub] as [string[], Command], ...commandPaths(sub, path)];
  });
}

// Command implementations load only when a command runs; their definitions must still describe them fully.
const paths = commandPaths(await buildProgram());

describe('freshet <command> --help', () => {
  it('lists every subcommand', () => {
    expect(paths.map(([path]) => path.join(' '))).toEqual(expect.arrayContaining(['watch', 'publish', 'run', 'images bootstrap', 'key create', 'mirror fill']));
  });

  it.each(paths.map(([path, command]) => [path.join(' '), path, command] as const))('%s: exits 0 and lists every option', async (_, path, command) => {
    const { code, stdout } = await runCli([...path, '--help']);
    expect(code).toBe(0);
    // Help wraps long lines.
    const text = stdout.replace(/\s+/g, ' ');
    expect(text).toContain(`Usage: freshet ${path.join(' ')}`);
    for (const option of command.options) expect(text).toContain(option.flags);
    expect(text).toContain(command.description());
  });

  it('freshet --help lists every command', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const [name] of commands) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  // main() loads only the module of the command it is given, found by this name.
  it.each(commands.map(([name, load]) => [name, load] as const))('%s: the command table names what the module registers', async (name, load) => {
    const program = new Command('freshet');
    (await load())(program);
    expect(program.commands.map((command) => command.name())).toEqual([name]);
  });

  it('names the image prefix that build/images uses', async () => {
    const { stdout } = await runCli(['images', 'list', '--help']);
    expect(stdout).toContain(`${IMAGE_PREFIX}/*`);
  });
});
