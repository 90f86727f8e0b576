import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { capture, CommandError, run, runStreaming, startDetached } from '../../src/core/exec.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-exec-'));

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('core/exec, without execa for short runs', () => {
  it('returns stdout and stderr apart, and both in the tail', async () => {
    const result = await run('sh', ['-c', 'echo out; echo err >&2; echo more']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'out\nmore\n', stderr: 'err\n', timedOut: false });
    // Two pipes: their order between each other is the kernel's.
    expect(result.tail.split('\n').sort()).toEqual(['err', 'more', 'out']);
  });

  it('feeds input and passes each argument as one word', async () => {
    expect(await capture('sh', ['-c', 'cat; printf "%s|" "$1"', 'sh', 'a b; echo no'], { input: 'in\n' })).toBe('in\na b; echo no|');
  });

  it('throws a CommandError with the exit code and the last lines', async () => {
    const error = await run('sh', ['-c', 'echo why >&2; exit 3']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).message).toBe("sh -c 'echo why >&2; exit 3' exited with 3\n--- last lines ---\nwhy");
    expect(await run('sh', ['-c', 'exit 3'], { allowFailure: true })).toMatchObject({ exitCode: 3 });
  });

  it('says a missing program could not be started', async () => {
    await expect(run('freshet-no-such-program', [])).rejects.toThrow('freshet-no-such-program could not be started');
  });

  it('stops a process at its timeout or when cancelled', async () => {
    const timedOut = await run('sleep', ['30'], { timeoutMs: 200, allowFailure: true });
    expect(timedOut.timedOut).toBe(true);
    await expect(run('sleep', ['30'], { timeoutMs: 200 })).rejects.toThrow('sleep 30 timed out');
    const controller = new AbortController();
    const cancelled = run('sleep', ['30'], { signal: controller.signal });
    controller.abort();
    await expect(cancelled).rejects.toThrow('sleep 30 was cancelled');
  });

  it('starts from PATH and LANG only with cleanEnv, and inherits otherwise', async () => {
    process.env.FRESHET_EXEC_TEST = 'inherited';
    try {
      expect(await capture('sh', ['-c', 'echo "${FRESHET_EXEC_TEST:-none} $LANG $EXTRA"'], { cleanEnv: true, env: { EXTRA: 'x' } })).toBe('none C.UTF-8 x');
      expect(await capture('sh', ['-c', 'echo "$FRESHET_EXEC_TEST"'])).toBe('inherited');
      expect(await capture('sh', ['-c', 'echo "${FRESHET_EXEC_TEST:-gone}"'], { env: { FRESHET_EXEC_TEST: undefined } })).toBe('gone');
    } finally {
      delete process.env.FRESHET_EXEC_TEST;
    }
  });

  it('logs to a file (through execa) and keeps the tail', async () => {
    const log = path.join(dir, 'run.log');
    const result = await run('sh', ['-c', 'echo one; echo two >&2'], { logFile: log });
    expect(readFileSync(log, 'utf8')).toBe('one\ntwo\n');
    expect(result).toMatchObject({ stdout: '', tail: 'one\ntwo' });
  });

  it('streams stdout from an input file or bytes, and fails with stderr when the program does', async () => {
    const input = path.join(dir, 'input');
    writeFileSync(input, 'from file\n');
    const fromFile = runStreaming('cat', [], { inputFile: input });
    expect(await text(fromFile.stdout)).toBe('from file\n');
    await fromFile.done;
    const fromBytes = runStreaming('cat', [], { input: Buffer.from('bytes\n') });
    expect(await text(fromBytes.stdout)).toBe('bytes\n');
    await fromBytes.done;
    const failing = runStreaming('sh', ['-c', 'echo broken >&2; exit 2'], { input: Buffer.alloc(0) });
    await text(failing.stdout);
    await expect(failing.done).rejects.toThrow("sh -c 'echo broken >&2; exit 2' exited with 2\n--- last lines ---\nbroken");
  });

  it('starts a detached process that reads what freshet writes', async () => {
    const out = path.join(dir, 'detached');
    const child = startDetached('sh', ['-c', `cat > ${out}`]);
    child.input.end('written\n');
    await expect.poll(() => { try { return readFileSync(out, 'utf8'); } catch { return ''; } }, { timeout: 10_000 }).toBe('written\n');
  });
});
