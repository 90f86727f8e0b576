import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectDebOutput } from '../../src/build/debian.js';
import { BuildFolder, takeFiles } from '../../src/build/output-folder.js';
import { collectRpmOutput } from '../../src/build/rpm.js';
import { UserError } from '../../src/core/errors.js';
import type { RpmManifest } from '../../src/generate/rpm/index.js';

/**
 * The collectors on real folders holding what a hostile build can leave: links to host folders
 * and files, linked parent folders, hard links. Each is refused before anything is read through
 * it, the message names only paths inside the build folder, and nothing reaches the output.
 */
function scene() {
  const root = mkdtempSync(path.join(tmpdir(), 'freshet-collect-'));
  const workDir = path.join(root, 'output', '.work');
  const outputDir = path.join(root, 'output');
  const host = path.join(root, 'host');
  mkdirSync(workDir, { recursive: true });
  mkdirSync(path.join(host, 'secret-project'), { recursive: true });
  mkdirSync(path.join(host, 'x86_64'));
  writeFileSync(path.join(host, 'x86_64', 'hello-1.0-1.x86_64.rpm'), 'host file');
  writeFileSync(path.join(host, 'hello-1.0-1.src.rpm'), 'host file');
  return { workDir, outputDir, host };
}

const manifest: RpmManifest = { name: 'hello', epoch: undefined, version: '1.0', release: '1', spec: 'SPECS/hello.spec', packages: ['hello'], buildRequires: [] };

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(UserError);
  return (error as Error).message;
}

function expectNothingTaken(outputDir: string, host: string) {
  expect(readdirSync(outputDir)).toEqual(['.work']);
  expect(readFileSync(path.join(host, 'x86_64', 'hello-1.0-1.x86_64.rpm'), 'utf8')).toBe('host file');
  expect(readFileSync(path.join(host, 'hello-1.0-1.src.rpm'), 'utf8')).toBe('host file');
}

describe('collectRpmOutput', () => {
  it.each(['/root', 'host'])('case 36: refuses RPMS -> %s without listing the folder it points to', async (target) => {
    const { workDir, outputDir, host } = scene();
    const linked = target === 'host' ? host : target;
    symlinkSync(linked, path.join(workDir, 'RPMS'));
    mkdirSync(path.join(workDir, 'SRPMS'));
    const message = await rejection(collectRpmOutput(workDir, outputDir, manifest));
    expect(message).toContain('RPMS is a link');
    expect(message).not.toContain(linked);
    for (const name of readdirSync(linked)) expect(message).not.toContain(name);
    expectNothingTaken(outputDir, host);
  });

  it('case 36: refuses a linked arch folder, a linked .rpm and a hard-linked .rpm, naming only paths in the build folder', async () => {
    const { workDir, outputDir, host } = scene();
    mkdirSync(path.join(workDir, 'RPMS', 'noarch'), { recursive: true });
    mkdirSync(path.join(workDir, 'SRPMS'));
    symlinkSync(path.join(host, 'x86_64'), path.join(workDir, 'RPMS', 'x86_64'));
    symlinkSync(path.join(host, 'hello-1.0-1.src.rpm'), path.join(workDir, 'SRPMS', 'hello-1.0-1.src.rpm'));
    linkSync(path.join(host, 'x86_64', 'hello-1.0-1.x86_64.rpm'), path.join(workDir, 'RPMS', 'noarch', 'hello-1.0-1.noarch.rpm'));
    const message = await rejection(collectRpmOutput(workDir, outputDir, manifest));
    expect(message).toContain('RPMS/x86_64 is a link');
    expect(message).toContain('SRPMS/hello-1.0-1.src.rpm is a link');
    expect(message).toContain('RPMS/noarch/hello-1.0-1.noarch.rpm has 2 hard links');
    expect(message).not.toContain(host);
    expectNothingTaken(outputDir, host);
  });
});

describe('collectDebOutput', () => {
  it('case 36: refuses a .deb linked to a host file, a .changes linked to /root and a hard-linked .dsc', async () => {
    const { workDir, outputDir, host } = scene();
    mkdirSync(path.join(workDir, 'hello-1.0', 'debian'), { recursive: true });
    symlinkSync('/etc/passwd', path.join(workDir, 'hello_1.0-1_amd64.deb'));
    symlinkSync('/root', path.join(workDir, 'hello_1.0-1_amd64.changes'));
    linkSync(path.join(host, 'hello-1.0-1.src.rpm'), path.join(workDir, 'hello_1.0-1.dsc'));
    const tree = { dir: 'hello-1.0', identity: { source: 'hello', version: '1.0-1', upstreamVersion: '1.0' } };
    const message = await rejection(collectDebOutput(workDir, outputDir, tree));
    expect(message).toContain('hello_1.0-1_amd64.deb is a link');
    expect(message).toContain('hello_1.0-1_amd64.changes is a link');
    expect(message).toContain('hello_1.0-1.dsc has 2 hard links');
    expect(message).not.toMatch(/\/etc|\/root|host/);
    expectNothingTaken(outputDir, host);
  });
});

describe('collectDebOutput on a sparse file', () => {
  it('case 36: refuses a sparse 4 TiB .deb, which costs the build no disk, without copying any of it', async () => {
    const { workDir, outputDir, host } = scene();
    mkdirSync(path.join(workDir, 'hello-1.0', 'debian'), { recursive: true });
    writeFileSync(path.join(workDir, 'hello_1.0-1_amd64.deb'), '');
    truncateSync(path.join(workDir, 'hello_1.0-1_amd64.deb'), 4 * 1024 ** 4);
    writeFileSync(path.join(workDir, 'hello_1.0-1_amd64.changes'), 'Source: hello\n');
    const tree = { dir: 'hello-1.0', identity: { source: 'hello', version: '1.0-1', upstreamVersion: '1.0' } };
    const message = await rejection(collectDebOutput(workDir, outputDir, tree));
    expect(message).toMatch(/^build output rejected: its files add up to 4398046511118 bytes, more than the \d+ bytes free on the output's file system/);
    expectNothingTaken(outputDir, host);
  });
});

describe('BuildFolder', () => {
  it('case 36: does not copy a file that was swapped for a link after it was listed', async () => {
    const { workDir, outputDir, host } = scene();
    writeFileSync(path.join(workDir, 'hello_1.0-1.dsc'), 'from the build');
    const build = BuildFolder.open(workDir);
    try {
      expect(build.stat('hello_1.0-1.dsc')?.isFile()).toBe(true);
      renameSync(path.join(workDir, 'hello_1.0-1.dsc'), path.join(workDir, 'moved'));
      symlinkSync(path.join(host, 'hello-1.0-1.src.rpm'), path.join(workDir, 'hello_1.0-1.dsc'));
      const message = await rejection(takeFiles(outputDir, [{ folder: build, name: 'hello_1.0-1.dsc' }], async () => undefined));
      expect(message).toBe('hello_1.0-1.dsc is not a regular file (ELOOP)');
    } finally {
      build.close();
    }
    expectNothingTaken(outputDir, host);
  });

  it('copies a regular file out with its size and sha256, and moves it into the output only after the check', async () => {
    const { workDir, outputDir } = scene();
    writeFileSync(path.join(workDir, 'hello_1.0-1.dsc'), 'from the build');
    const build = BuildFolder.open(workDir);
    try {
      const taken = await takeFiles(outputDir, [{ folder: build, name: 'hello_1.0-1.dsc' }], async (files) => {
        expect(readdirSync(outputDir).sort()).toEqual(['.incoming', '.work']);
        return files;
      });
      expect(taken).toMatchObject([{ name: 'hello_1.0-1.dsc', size: 14, sha256: 'e25c301b10cba8c1181e67f60f594b6b1a4dc51449084d0bcb109c67c4e1c1cb' }]);
    } finally {
      build.close();
    }
    expect(readFileSync(path.join(outputDir, 'hello_1.0-1.dsc'), 'utf8')).toBe('from the build');
    expect(readdirSync(outputDir).sort()).toEqual(['.work', 'hello_1.0-1.dsc']);
  });
});
