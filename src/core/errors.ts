/**
 * Two kinds of failure reach the top level: a user error (bad recipe, bad config, unreachable
 * upstream) prints a one-line cause and fix; anything else is a bug and prints its stack.
 */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can act on: a bad recipe or config, a failing upstream, a failed build. */
export class UserError extends Error {
  readonly cliExit: ExitCode;
  readonly hint: string | undefined;
  constructor(message: string, options: { exitCode?: ExitCode; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'UserError';
    this.cliExit = options.exitCode ?? ExitCode.failed;
    this.hint = options.hint;
  }
}

/** Invalid recipe or config: always exit 2, message starts with `file: field.path: `. */
export class ConfigError extends UserError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
    this.name = 'ConfigError';
  }
}

/** An upstream that could not be asked (timeout, 429, 5xx, bad body): never "no new release". */
export class UpstreamError extends UserError {
  readonly upstream: string;
  readonly status: number | undefined;
  constructor(upstream: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(`${upstream}: ${message}`, { cause: options.cause });
    this.name = 'UpstreamError';
    this.upstream = upstream;
    this.status = options.status;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Faults of the machine rather than bugs in freshet: reported as what they are, with the path. */
const SYSTEM_FAULTS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
};

/** A user error for a file-system fault (ENOSPC, EIO…), or undefined for anything else. */
export function systemFault(error: unknown): UserError | undefined {
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code !== 'string' || !Object.hasOwn(SYSTEM_FAULTS, code)) return undefined;
  return new UserError(`${path ? `${path}: ` : ''}${SYSTEM_FAULTS[code]} (${code})`, {
    cause: error,
    hint: 'make room or fix the file system, then run again',
  });
}

/** The error as the user should see it, or undefined for a bug (which prints its stack). */
export function asUserError(error: unknown): UserError | undefined {
  return isUserError(error) ? error : systemFault(error);
}
