import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { run, type RunResult } from '../../src/core/exec.js';

/** The built `freshet` CLI run as a separate process, for tests that kill or pause a real publish. */
const repo = path.resolve(import.meta.dirname, '../..');
const packageJson = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { bin: { freshet: string } };
const freshet = path.join(repo, packageJson.bin.freshet);
const TIMEOUT_MS = 120_000;

/** Compile to dist/ so the tests run the current CLI; for a beforeAll. */
export async function buildCli(): Promise<void> {
  const build = await run('npm', ['run', 'build'], { cwd: repo, allowFailure: true, timeoutMs: 300_000 });
  // tsc still emits when another area has a type error; what matters here is the compiled CLI.
  expect(existsSync(path.join(repo, 'dist/cli/main.js')), build.tail).toBe(true);
}

export function cli(configFile: string, args: string[]): Promise<RunResult> {
  return run('node', [freshet, '--config', configFile, ...args], { allowFailure: true, timeoutMs: TIMEOUT_MS });
}

/** Start `freshet publish`, its output going to logFile; `pauseAt` makes it stop at a publish step. */
export function logPublish(configFile: string, resultFile: string, logFile: string, pauseAt?: string): Promise<RunResult> {
  writeFileSync(logFile, '');
  return run('node', [freshet, '--config', configFile, 'publish', resultFile], {
    env: pauseAt ? { FRESHET_PUBLISH_PAUSE_AT: pauseAt } : {},
    allowFailure: true,
    logFile,
    timeoutMs: TIMEOUT_MS,
  });
}

/** Resolves with the first match of pattern in the log of a running publish; throws if it exits first. */
export async function logged(logFile: string, pattern: RegExp, done: Promise<RunResult>): Promise<RegExpMatchArray> {
  let exited = false;
  void done.then(() => (exited = true));
  for (let waited = 0; waited < 60_000 && !exited; waited += 50) {
    const match = readFileSync(logFile, 'utf8').match(pattern);
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`publish never logged ${pattern}: ${readFileSync(logFile, 'utf8')}`);
}

/** Start `freshet publish` paused at a step; resolves once it has announced its pid there. */
export async function pausedPublish(
  configFile: string,
  step: string,
  resultFile: string,
  logFile: string,
): Promise<{ pid: number; done: Promise<RunResult> }> {
  const done = logPublish(configFile, resultFile, logFile, step);
  const match = await logged(logFile, /paused at publish step \S+ \(pid (\d+)\)/, done);
  return { pid: Number(match[1]), done };
}
