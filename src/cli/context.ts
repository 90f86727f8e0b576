import type { Command } from 'commander';
import { loadConfigCached } from '../config/cached.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { ExitCode } from '../core/errors.js';

/** Options every command gets from the top level. */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
  verbose?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** The command's config; an unchanged file comes from the validated cache, without loading yaml and zod. */
export async function configFor(command: Command): Promise<ResolvedConfig> {
  return loadConfigCached(globalOptions(command).config);
}

/** Print a result for scripts (`--json`) or people. */
export function output(command: Command, data: unknown, human: () => string): void {
  if (globalOptions(command).json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else {
    const text = human();
    if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/**
 * Actions return their exit code; commander's own action type does not carry one, so the last
 * code is kept here for main() to return.
 */
let lastExit: ExitCode = ExitCode.ok;

export function action<A extends unknown[]>(fn: (...args: A) => Promise<ExitCode>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    lastExit = await fn(...args);
  };
}

export function takeExitCode(): ExitCode {
  const code = lastExit;
  lastExit = ExitCode.ok;
  return code;
}

export type RegisterCommand = (program: Command) => void;
