import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubReleasesHandler } from '../../bench/trial/github-fake.js';
import { fillMirror } from '../../src/mirror/fill.js';
import { loadMirrorManifest, manifestFiles } from '../../src/mirror/manifest.js';
import { listen, type RunningServer } from '../../src/serve/static.js';
import { runCli } from '../cli/run-cli.js';
import { scratchConfig } from './scratch-config.js';

/**
 * `freshet new` on GitHub repository URLs as the issue 14 trial used them: the real release files
 * (from Debian's pool) under github.com's paths, and api.github.com answering in its own JSON shape
 * from the same folder (bench/trial/github-fake.ts): fribidi publishes a tarball asset, xxHash none.
 */
describe('freshet new on GitHub repositories (issue 14 trial)', () => {
  let dir: string;
  let api: RunningServer;
  let configArgs: string[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-new-github-'));
    const root = fileURLToPath(new URL('../../var/mirror', import.meta.url));
    await fillMirror(root, manifestFiles(loadMirrorManifest(), ['xxhash', 'fribidi']));
    api = await listen(githubReleasesHandler(root), '127.0.0.1', 0);
    const config = scratchConfig(
      dir,
      [
        { from: 'https://api.github.com/', to: api.url },
        { from: 'https://github.com/', to: api.url },
      ],
      [new URL(api.url).host],
    );
    configArgs = ['--config', config];
  });

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issue 14: a repository whose releases carry a tarball asset gets that asset (fribidi), its library named by soname', async () => {
    const created = await runCli([...configArgs, 'new', 'https://github.com/fribidi/fribidi']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('https://github.com/fribidi/fribidi/releases/download/v1.0.16/fribidi-1.0.16.tar.xz');
    const text = readFileSync(path.join(dir, 'recipes', 'fribidi.yaml'), 'utf8');
    expect(text).toMatch(/^ {2}asset: fribidi-\.\+\\\.tar\\\.xz$/m);
    expect(text).toMatch(/^ {2}- name: libfribidi0$/m);
    expect(text).toContain('files: ["{bindir}/*"]');
    expect((await runCli([...configArgs, 'lint', 'fribidi'])).code).toBe(0);
  });

  it('issue 14: a repository whose releases carry no files (xxHash) gets the newest release\'s tag archive, watched on the tags page, and lints and plans a build', async () => {
    const created = await runCli([...configArgs, 'new', 'https://github.com/Cyan4973/xxHash']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('https://github.com/Cyan4973/xxHash/archive/refs/tags/v0.8.3.tar.gz');
    const text = readFileSync(path.join(dir, 'recipes', 'xxhash.yaml'), 'utf8');
    expect(text).toMatch(/"?0\.8\.3"?: aae608dfe8213dfd05d909a57718ef82f30722c392344583d3f39050c7f29a80/);
    // The API's tag tarball_url has no file extension: the tags page links the archives by file name.
    expect(text).toMatch(/^ {2}kind: html-index\n {2}url: https:\/\/github\.com\/Cyan4973\/xxHash\/tags\n {2}pattern: v\(\\d\[\\d\.\]\*\)\\\.tar\\\.gz$/m);
    expect((await runCli([...configArgs, 'lint', 'xxhash'])).code).toBe(0);
    const plan = await runCli([...configArgs, 'run', 'xxhash', '--target', 'debian-12', '--dry-run']);
    expect(plan.stdout).toContain('xxhash debian-12: build 0.8.3-0~deb12+freshet1');
    expect(text).toMatch(/^ {2}- name: libxxhash0$/m);
  });
});
