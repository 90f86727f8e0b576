import { Command, CommanderError } from 'commander';
import { asUserError, ExitCode } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { setLogLevel } from '../core/log.js';
import { commands } from './commands/index.js';
import { takeExitCode } from './context.js';

export function buildProgram(): Command {
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
  for (const register of commands) register(program);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
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
