import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillMirror } from '../../src/mirror/fill.js';
import { loadMirrorManifest, manifestFiles } from '../../src/mirror/manifest.js';
import { createStaticHandler, listen, type RunningServer } from '../../src/serve/static.js';
import { runCli } from '../cli/run-cli.js';
import { scratchConfig } from './scratch-config.js';

/**
 * `freshet new` against the local mirror: gperf's releases (from Debian's pool) served under
 * ftp.gnu.org's paths, the config rewriting the real host to it, as the demo config does.
 */
describe('freshet new against the local mirror', () => {
  let dir: string;
  let server: RunningServer;
  let github: RunningServer;
  let releasesJson = '[]';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-new-it-'));
    // The project's mirror folder, as the generate tests use it: files already there are only checked.
    const mirror = fileURLToPath(new URL('../../var/mirror', import.meta.url));
    await fillMirror(mirror, manifestFiles(loadMirrorManifest(), ['gperf']));
    server = await listen(createStaticHandler({ root: mirror, listings: true }), '127.0.0.1', 0);
    // github.com and api.github.com on loopback: gperf's real release tarball as a release asset, the API answering in its own format.
    const assets = path.join(dir, 'github', 'gnu', 'gperf', 'releases', 'download', 'v3.3');
    mkdirSync(assets, { recursive: true });
    copyFileSync(path.join(mirror, 'ftp.gnu.org/gnu/gperf/gperf-3.3.tar.gz'), path.join(assets, 'gperf-3.3.tar.gz'));
    const files = createStaticHandler({ root: path.join(dir, 'github'), listings: false });
    github = await listen((request, response) => {
      if (request.url === '/api/repos/gnu/gperf/releases?per_page=100') return response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(releasesJson);
      return files(request, response);
    }, '127.0.0.1', 0);
    const slash = (url: string) => url.replace(/\/?$/, '/');
    scratchConfig(
      dir,
      [
        { from: 'https://ftp.gnu.org/', to: `${slash(server.url)}ftp.gnu.org/` },
        { from: 'https://api.github.com/', to: `${slash(github.url)}api/` },
        { from: 'https://github.com/', to: slash(github.url) },
      ],
      [new URL(server.url).host, new URL(github.url).host],
    );
  });

  afterAll(async () => {
    await server?.close();
    await github?.close();
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

  it('issue 14: for a GitHub tag URL, picks the release asset (a real tarball) and watches releases with asset:, not use: tags', async () => {
    const release = (tag: string, assets: string[]) => ({
      url: `https://api.github.com/repos/gnu/gperf/releases/${tag}`,
      tag_name: tag,
      draft: false,
      prerelease: false,
      published_at: '2025-04-20T10:00:00Z',
      assets: assets.map((name, id) => ({ id, name, content_type: 'application/gzip', size: 1, browser_download_url: `https://github.com/gnu/gperf/releases/download/${tag}/${name}` })),
      tarball_url: `https://api.github.com/repos/gnu/gperf/tarball/${tag}`,
      zipball_url: `https://api.github.com/repos/gnu/gperf/zipball/${tag}`,
    });
    releasesJson = JSON.stringify([release('v3.3', ['gperf-3.3.tar.gz']), release('v3.2', ['gperf-3.2.tar.gz'])]);
    const configArgs = ['--config', path.join(dir, 'freshet.config.yaml')];
    const created = await runCli([...configArgs, 'new', '--out', path.join(dir, 'github-recipes'), 'https://github.com/gnu/gperf/archive/refs/tags/v3.3.tar.gz']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('https://github.com/gnu/gperf/releases/download/v3.3/gperf-3.3.tar.gz');
    const text = readFileSync(path.join(dir, 'github-recipes', 'gperf.yaml'), 'utf8');
    expect(text).toMatch(/^ {2}kind: github$/m);
    expect(text).toMatch(/^ {2}asset: gperf-\.\+\\\.tar\\\.gz$/m);
    expect(text).not.toMatch(/use: tags/);
    expect(text).toMatch(/"3\.3": fd87e0aba7e43ae054837afd6cd4db03a3f2693deb3619085e6ed9d8d9604ad8/);
  });
});
