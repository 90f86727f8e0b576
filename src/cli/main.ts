import type * as Commander from 'commander';
import { createRequire } from 'node:module';
import { asUserError, ExitCode } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { setLogLevel } from '../core/log.js';
import { commands } from './commands/index.js';
import { takeExitCode } from './context.js';

// Loaded by require: importing a CommonJS package as an ES module scans its source for exports
// first (cjs-module-lexer, and commander's ES wrapper), about 5 ms of every CLI start (issue 17).
const { Command, CommanderError } = createRequire(import.meta.url)('commander') as typeof Commander;
type Command = Commander.Command;

/**
 * The subcommand `argv` names, if it names one: its first word that is not a top-level option or
 * the value of `--config`. Anything else (no command, `help`, a typo) gets every command.
 */
function commandNamed(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--') return argv[index + 1];
    // -c/--config take the next word unless the value is attached (--config=x, -cx).
    if (arg === '--config' || /^-[a-z]*c$/.test(arg)) index += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The CLI with every command, or only the one `argv` names (its definition is all that loads). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('freshet')
    .description('Fresh upstream releases, packaged for the distributions people already run.')
    .option('-c, --config <file>', 'config file (default: freshet.config.yaml, or $FRESHET_CONFIG)')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('-v, --verbose', 'log more')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .hook('preAction', (command) => {
      if (command.optsWithGlobals().verbose) setLogLevel('debug');
    });
  const named = commandNamed(argv);
  const wanted = commands.some(([name]) => name === named) ? commands.filter(([name]) => name === named) : commands;
  for (const register of await Promise.all(wanted.map(([, load]) => load()))) register(program);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: 'user' });
    return takeExitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not failures; anything else commander rejects is a usage error.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const userError = asUserError(error);
    if (userError) {
      process.stderr.write(`freshet: ${redact(userError.message)}\n`);
      if (userError.hint) process.stderr.write(`hint: ${userError.hint}\n`);
      return userError.cliExit;
    }
    process.stderr.write(
      `freshet: internal error, please report it with the command you ran:\n${redact((error as Error)?.stack ?? String(error))}\n`,
    );
    return ExitCode.failed;
  }
}
