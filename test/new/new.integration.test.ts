import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillMirror } from '../../src/mirror/fill.js';
import { loadMirrorManifest, manifestFiles } from '../../src/mirror/manifest.js';
import { createStaticHandler, listen, type RunningServer } from '../../src/serve/static.js';
import { runCli } from '../cli/run-cli.js';

/**
 * `freshet new` against the local mirror: gperf's releases (from Debian's pool) served under
 * ftp.gnu.org's paths, the config rewriting the real host to it, as the demo config does.
 */
describe('freshet new against the local mirror', () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-new-it-'));
    const mirror = path.join(dir, 'mirror');
    await fillMirror(mirror, manifestFiles(loadMirrorManifest(), ['gperf']));
    server = await listen(createStaticHandler({ root: mirror, listings: true }), '127.0.0.1', 0);
    const config = readFileSync(new URL('../../freshet.config.yaml', import.meta.url), 'utf8')
      .replace(/^recipes: .*$/m, `recipes: ${path.join(dir, 'recipes')}`)
      .replace(/^archive: .*$/m, `archive: ${path.join(dir, 'archive')}`)
      .replace(/^state: .*$/m, `state: ${path.join(dir, 'state')}`)
      .replace(/^rewrites:[\s\S]*?^allowHosts:\n.*$/m, `rewrites:\n  - from: https://ftp.gnu.org/\n    to: ${server.url.replace(/\/?$/, '/')}ftp.gnu.org/\nallowHosts:\n  - ${new URL(server.url).host}`);
    writeFileSync(path.join(dir, 'freshet.config.yaml'), config);
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('picks the newest tarball from the download page and writes a recipe that lints', async () => {
    const configArgs = ['--config', path.join(dir, 'freshet.config.yaml')];
    const created = await runCli([...configArgs, 'new', 'https://ftp.gnu.org/gnu/gperf/']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('gperf-3.3.tar.gz');

    const text = readFileSync(path.join(dir, 'recipes', 'gperf.yaml'), 'utf8');
    expect(text).toMatch(/^ {2}kind: html-index$/m);
    expect(text).toContain('pattern: gperf-(\\d[\\d.]*)\\.tar\\.gz$');
    expect(text).toMatch(/^license: GPL-3\.0-or-later$/m);
    expect(text).toMatch(/^ {2}system: autotools$/m);
    expect(text).toMatch(/"3\.3": fd87e0aba7e43ae054837afd6cd4db03a3f2693deb3619085e6ed9d8d9604ad8/);

    const lint = await runCli([...configArgs, 'lint', 'gperf']);
    expect(lint.stdout).toContain('1 of 1 recipes valid');
    expect(lint.code).toBe(0);

    const again = await runCli([...configArgs, 'new', 'https://ftp.gnu.org/gnu/gperf/']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
  });
});
