import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { UserError } from './errors.js';
import { redact } from './redact.js';

/**
 * The one place freshet starts processes. Commands are a file plus an argument array, never a
 * shell string, so a recipe value can only ever be one argument. Failures become a
 * CommandError carrying the command, exit code, whether it timed out or was cancelled, and the
 * tail of its output. Runs that log to a file (builds, gates) go through execa, imported on first
 * use; the short ones (gpgv, xz, queries) and the streaming and detached ones use node:child_process
 * directly, so a publish does not load execa at every start: `await import('execa')` opens 151
 * module files and took 79–90 ms of CPU on the 2-core build machine (issue 17), against 0.38 s
 * for a whole CLI publish adding one package to a 100-package archive, for what spawn() does here.
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

const MAX_BUFFER = 256 * 1024 * 1024;
const FORCE_KILL_AFTER_MS = 5_000;

/** How a process ended, whichever way it was run. */
interface Ended {
  exitCode: number | undefined;
  timedOut: boolean;
  isCanceled: boolean;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came. */
  all: string;
  cause?: unknown;
}

/**
 * Stop a process on timeout or cancellation the way execa does: SIGTERM, then SIGKILL if it is
 * still there after FORCE_KILL_AFTER_MS. Returns the cleanup to call once it has ended.
 */
function watchLimits(child: ChildProcess, timeoutMs: number | undefined, signal: AbortSignal | undefined, on: { timedOut(): void; canceled(): void }): () => void {
  let forceKill: NodeJS.Timeout | undefined;
  const stop = () => {
    child.kill('SIGTERM');
    forceKill ??= setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_AFTER_MS);
  };
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => (on.timedOut(), stop()), timeoutMs);
  const abort = () => (on.canceled(), stop());
  if (signal?.aborted) abort();
  else signal?.addEventListener('abort', abort, { once: true });
  return () => {
    clearTimeout(timer);
    clearTimeout(forceKill);
    signal?.removeEventListener('abort', abort);
  };
}

function spawnBuffered(file: string, args: readonly string[], options: RunOptions, env: NodeJS.ProcessEnv): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: options.cwd, env, stdio: 'pipe' });
    const ended: Omit<Ended, 'stdout' | 'stderr' | 'all'> = { exitCode: undefined, timedOut: false, isCanceled: false };
    const chunks: { stdout: Buffer[]; stderr: Buffer[]; all: Buffer[] } = { stdout: [], stderr: [], all: [] };
    let buffered = 0;
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      buffered += chunk.byteLength;
      if (buffered > MAX_BUFFER) {
        ended.cause ??= new Error(`output exceeded ${MAX_BUFFER} bytes`);
        child.kill('SIGKILL');
        return;
      }
      chunks[stream].push(chunk);
      chunks.all.push(chunk);
    };
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));
    // A process that exits without reading its input closes the pipe: not an error of ours.
    child.stdin!.on('error', () => undefined);
    if (options.input !== undefined) child.stdin!.end(options.input);
    const cleanup = watchLimits(child, options.timeoutMs, options.signal, { timedOut: () => (ended.timedOut = true), canceled: () => (ended.isCanceled = true) });
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      cleanup();
      const text = (list: Buffer[]) => Buffer.concat(list).toString('utf8');
      resolve({ ...ended, stdout: text(chunks.stdout), stderr: text(chunks.stderr), all: text(chunks.all) });
    };
    child.on('error', (error) => {
      ended.cause ??= error;
      settle();
    });
    child.on('close', (code) => {
      ended.exitCode = code ?? undefined;
      settle();
    });
  });
}

async function runLogged(file: string, args: readonly string[], options: RunOptions, env: Record<string, string | undefined> | undefined, tailBytes: number): Promise<Ended> {
  const { execa } = await import('execa');
  const subprocess = execa(file, [...args], {
    cwd: options.cwd,
    env,
    extendEnv: !options.cleanEnv,
    input: options.input,
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    reject: false,
    all: true,
    buffer: false,
    stripFinalNewline: false,
    forceKillAfterDelay: FORCE_KILL_AFTER_MS,
  });
  let tailText = '';
  if (subprocess.all) {
    const sinkStream = createWriteStream(options.logFile!, { flags: 'a' });
    subprocess.all.on('data', (chunk: Buffer) => {
      tailText = (tailText + chunk.toString('utf8')).slice(-tailBytes);
    });
    subprocess.all.pipe(sinkStream);
    await new Promise<void>((resolve) => sinkStream.on('close', resolve).on('error', () => resolve()));
  }
  const result = await subprocess;
  return { exitCode: result.exitCode, timedOut: result.timedOut, isCanceled: result.isCanceled, stdout: '', stderr: '', all: tailText, cause: result.cause };
}

export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  assertArguments(file, args);
  const command = describeCommand(file, args);
  const started = Date.now();
  const tailBytes = options.tailBytes ?? 64 * 1024;
  const env = options.cleanEnv
    ? { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...options.env }
    : options.env;
  const result =
    options.logFile === undefined
      ? await spawnBuffered(file, args, options, options.cleanEnv ? env! : { ...process.env, ...env })
      : await runLogged(file, args, options, env, tailBytes);
  const outcome: RunResult = {
    command,
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    tail: redact(lastLines(result.all)),
    timedOut: result.timedOut,
    durationMs: Date.now() - started,
  };
  const failed = result.exitCode !== 0 || result.timedOut || result.isCanceled || result.cause !== undefined;
  if (failed && !options.allowFailure) {
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
  const child = spawn(file, args, { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  // A process that could not start, or ended early, leaves a closed pipe: that is not freshet's error.
  child.on('error', () => undefined);
  child.stdin!.on('error', () => undefined);
  child.unref();
  return { input: child.stdin! };
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
  const inputFd = 'inputFile' in options ? openSync(options.inputFile, 'r') : undefined;
  let child: ChildProcess;
  try {
    child = spawn(file, args, { stdio: [inputFd ?? 'pipe', 'pipe', 'pipe'] });
  } finally {
    if (inputFd !== undefined) closeSync(inputFd);
  }
  if ('input' in options) {
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input);
  }
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-64 * 1024);
  });
  let timedOut = false;
  const cleanup = watchLimits(child, options.timeoutMs, undefined, { timedOut: () => (timedOut = true), canceled: () => undefined });
  const done = new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (exitCode: number | undefined) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (stopped || (exitCode === 0 && !timedOut)) return resolve();
      reject(new CommandError({ command, exitCode, timedOut, isCanceled: false, tail: redact(lastLines(stderr)), logFile: undefined }));
    };
    child.on('error', () => settle(undefined));
    child.on('close', (code) => settle(code ?? undefined));
  });
  return {
    stdout: child.stdout!,
    done,
    stop: () => {
      stopped = true;
      child.kill();
    },
  };
}
