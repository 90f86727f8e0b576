import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/exec.js';
import { renderDebianFiles } from '../../../src/generate/deb/render.js';
import { serve, type Loopback } from '../../net/loopback.js';
import { helloSignature, helloTarball } from '../upstream-tarballs.js';
import { CASES, renderInput } from './cases.js';

/**
 * The debian/watch freshet writes, read by the real uscan against a loopback upstream: a
 * signature URL with `{version}` (not `{url}.sig`) keeps uscan's signature check
 * (pgpsigurlmangle), so uscan downloads GNU's signature of hello 2.12.3 and verifies it with the
 * shipped debian/upstream/signing-key.asc, and refuses a signature that does not match.
 */
let server: Loopback;
let dir = '';
let signature: Buffer;
let tarball: Buffer;

beforeAll(async () => {
  tarball = readFileSync(await helloTarball());
  signature = await helloSignature();
  server = await serve((req, res) => {
    const url = req.url ?? '';
    if (url === '/gnu/hello/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><a href="hello-2.12.3.tar.gz">hello-2.12.3.tar.gz</a></html>');
    if (url === '/gnu/hello/hello-2.12.3.tar.gz') return res.writeHead(200).end(tarball);
    if (url === '/signatures/hello-2.12.3.tar.gz.sig') return res.writeHead(200).end(signature);
    return res.writeHead(404).end();
  });
  dir = mkdtempSync(path.join(tmpdir(), 'freshet-uscan-'));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function uscan(name: string): Promise<{ exitCode: number; output: string; watch: string }> {
  const input = renderInput(CASES[0]!);
  input.recipe.upstream = {
    ...input.recipe.upstream,
    url: `${server.url}/gnu/hello/`,
    signature: { url: `${server.url}/signatures/{name}-{version}.tar.gz.sig`, key: 'keys/signing-key.asc' },
  } as typeof input.recipe.upstream;
  const tree = path.join(dir, name, 'hello-2.12.3');
  for (const file of await renderDebianFiles(input)) {
    mkdirSync(path.dirname(path.join(tree, file.path)), { recursive: true });
    writeFileSync(path.join(tree, file.path), file.content);
  }
  const out = path.join(dir, name, 'out');
  mkdirSync(out);
  const result = await run('uscan', ['--no-conf', '--verbose', '--download-current-version', '--destdir', out, '--no-symlink'], {
    cwd: tree,
    allowFailure: true,
    timeoutMs: 120_000,
    env: { LC_ALL: 'C', HOME: path.join(dir, name) },
  });
  return { exitCode: result.exitCode, output: `${result.stdout}\n${result.stderr}`, watch: readFileSync(path.join(tree, 'debian/watch'), 'utf8') };
}

describe('debian/watch with uscan', () => {
  it('keeps the signature check when signature.url uses {version}: real uscan fetches and verifies the signature', async () => {
    const { exitCode, output, watch } = await uscan('good');
    expect(watch).toContain('pgpsigurlmangle=');
    expect(output).toContain(`${server.url}/signatures/hello-2.12.3.tar.gz.sig`);
    expect(exitCode, output).toBe(0);
    expect(output).toContain('(pgpsigurlmangled)');
    expect(output).toMatch(/gpgv: Good signature/);
  });

  it('refuses a signature that does not match: uscan fails', async () => {
    const good = signature;
    signature = Buffer.from(readFileSync(path.join(import.meta.dirname, '../fixtures/keys/upstream.asc')));
    try {
      const { exitCode, output } = await uscan('bad');
      expect(exitCode, output).not.toBe(0);
      expect(output).toContain('OpenPGP signature did not verify');
    } finally {
      signature = good;
    }
  });
});
