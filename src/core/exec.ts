import { createWriteStream } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { UserError } from './errors.js';
import { redact } from './redact.js';

/**
 * The one place freshet starts processes. Commands are a file plus an argument array, never a
 * shell string, so a recipe value can only ever be one argument. Failures become a
 * CommandError carrying the command, exit code, whether it timed out or was cancelled, and the
 * tail of its output.
 */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Start from an empty environment plus `env` (builds must not inherit tokens). */
  cleanEnv?: boolean;
  input?: string | Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Append stdout and stderr, interleaved, to this file instead of buffering them. */
  logFile?: string;
  /** Return a failed result instead of throwing. */
  allowFailure?: boolean;
  /** Bytes kept of the output for the result and error tail when logging to a file. */
  tailBytes?: number;
}

export interface RunResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Last lines of combined output: for error messages. */
  tail: string;
  timedOut: boolean;
  durationMs: number;
}

export class CommandError extends UserError {
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly timedOut: boolean;
  readonly isCanceled: boolean;
  readonly tail: string;
  readonly logFile: string | undefined;
  constructor(fields: {
    command: string;
    exitCode: number | undefined;
    timedOut: boolean;
    isCanceled: boolean;
    tail: string;
    logFile: string | undefined;
    cause?: unknown;
  }) {
    const why = fields.timedOut
      ? 'timed out'
      : fields.isCanceled
        ? 'was cancelled'
        : fields.exitCode === undefined
          ? 'could not be started'
          : `exited with ${fields.exitCode}`;
    const where = fields.logFile ? `\nfull log: ${fields.logFile}` : '';
    const tail = fields.tail ? `\n--- last lines ---\n${fields.tail}` : '';
    super(`${fields.command} ${why}${where}${tail}`, { cause: fields.cause });
    this.name = 'CommandError';
    this.command = fields.command;
    this.exitCode = fields.exitCode;
    this.timedOut = fields.timedOut;
    this.isCanceled = fields.isCanceled;
    this.tail = fields.tail;
    this.logFile = fields.logFile;
  }
}

const TAIL_LINES = 25;

export function lastLines(text: string, count = TAIL_LINES): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-count).join('\n');
}

/** A printable form of a command for logs and errors; arguments are quoted, never executed. */
export function describeCommand(file: string, args: readonly string[]): string {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
  return redact([file, ...args].map(quote).join(' '));
}

function assertArguments(file: string, args: readonly string[]): void {
  for (const arg of [file, ...args]) {
    if (typeof arg !== 'string') throw new TypeError(`argument is not a string: ${String(arg)}`);
    if (arg.includes('\0')) throw new UserError(`refusing to run ${file}: an argument contains a NUL byte`);
  }
}

export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  assertArguments(file, args);
  const command = describeCommand(file, args);
  const started = Date.now();
  const tailBytes = options.tailBytes ?? 64 * 1024;
  const logging = options.logFile !== undefined;
  const env = options.cleanEnv
    ? { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...options.env }
    : options.env;
  const subprocess: ResultPromise = execa(file, [...args], {
    cwd: options.cwd,
    env,
    extendEnv: !options.cleanEnv,
    input: options.input,
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    reject: false,
    all: true,
    buffer: !logging,
    stripFinalNewline: false,
    forceKillAfterDelay: 5_000,
    maxBuffer: 256 * 1024 * 1024,
  });

  let tailText = '';
  if (logging && subprocess.all) {
    const sinkStream = createWriteStream(options.logFile!, { flags: 'a' });
    subprocess.all.on('data', (chunk: Buffer) => {
      tailText = (tailText + chunk.toString('utf8')).slice(-tailBytes);
    });
    subprocess.all.pipe(sinkStream);
    await new Promise<void>((resolve) => sinkStream.on('close', resolve).on('error', () => resolve()));
  }
  const result = await subprocess;
  const stdout = logging ? '' : String(result.stdout ?? '');
  const stderr = logging ? '' : String(result.stderr ?? '');
  const combined = logging ? tailText : String(result.all ?? '');
  const outcome: RunResult = {
    command,
    exitCode: result.exitCode ?? -1,
    stdout,
    stderr,
    tail: redact(lastLines(combined)),
    timedOut: result.timedOut,
    durationMs: Date.now() - started,
  };
  if (result.failed && !options.allowFailure) {
    throw new CommandError({
      command,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      isCanceled: result.isCanceled,
      tail: outcome.tail,
      logFile: options.logFile,
      cause: result.exitCode === undefined ? result.cause : undefined,
    });
  }
  return outcome;
}

/** Run and return stdout; for short queries such as `dpkg --print-architecture`. */
export async function capture(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const { stdout } = await run(file, args, options);
  return stdout.trim();
}

/** True when the command exits 0; for probes such as `dpkg --compare-versions`. */
export async function succeeds(file: string, args: readonly string[], options: RunOptions = {}): Promise<boolean> {
  const { exitCode } = await run(file, args, { ...options, allowFailure: true });
  return exitCode === 0;
}

/** A process that outlives freshet's own end; it reads what freshet writes to `input`. */
export interface DetachedProcess {
  input: NodeJS.WritableStream;
}

/**
 * Start a process in its own session (a Ctrl-C for freshet does not reach it) and do not wait for
 * it. Its stdin is a pipe from freshet, which the kernel closes however freshet ends.
 */
export function startDetached(file: string, args: readonly string[]): DetachedProcess {
  assertArguments(file, args);
  const subprocess = execa(file, [...args], {
    detached: true,
    cleanup: false,
    stdin: 'pipe',
    stdout: 'ignore',
    stderr: 'ignore',
    reject: false,
  });
  subprocess.unref();
  // A process that could not start, or ended early, leaves a closed pipe: that is not freshet's error.
  subprocess.stdin!.on('error', () => undefined);
  return { input: subprocess.stdin! };
}

/** A process whose stdout is read as a stream (decompressors feeding the unpacker). */
export interface StreamedProcess {
  stdout: NodeJS.ReadableStream;
  /** Settles when the process ends; rejects with a CommandError unless it was stopped by `stop()`. */
  done: Promise<void>;
  stop(): void;
}

export function runStreaming(file: string, args: readonly string[], options: ({ inputFile: string } | { input: Uint8Array }) & { timeoutMs?: number }): StreamedProcess {
  assertArguments(file, args);
  const command = describeCommand(file, args);
  let stopped = false;
  const subprocess = execa(file, [...args], {
    ...('inputFile' in options ? { inputFile: options.inputFile } : { input: options.input }),
    timeout: options.timeoutMs,
    buffer: { stdout: false, stderr: true },
    reject: false,
    forceKillAfterDelay: 5_000,
  });
  const done = subprocess.then((result) => {
    if (stopped || !result.failed) return;
    throw new CommandError({
      command,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      isCanceled: result.isCanceled,
      tail: redact(lastLines(String(result.stderr ?? ''))),
      logFile: undefined,
    });
  });
  return {
    stdout: subprocess.stdout!,
    done,
    stop: () => {
      stopped = true;
      subprocess.kill();
    },
  };
}
