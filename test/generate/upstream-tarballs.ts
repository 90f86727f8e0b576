import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../../src/core/exec.js';
import { FIXTURES, ROOT } from './deb/cases.js';

/** Upstream tarballs for the generate integration tests: real hello, synthetic fixtures. */
const CACHE = path.join(ROOT, 'test-artifacts/cache');
const HELLO_URL = 'http://deb.debian.org/debian/pool/main/h/hello/hello_2.12.3.orig.tar.gz';

/** hello 2.12.3 from Debian's pool, downloaded once into the gitignored test-artifacts/cache. */
export async function helloTarball(): Promise<string> {
  const file = path.join(CACHE, 'hello-2.12.3.tar.gz');
  if (existsSync(file)) return file;
  mkdirSync(CACHE, { recursive: true });
  const response = await fetch(HELLO_URL);
  if (!response.ok) throw new Error(`${HELLO_URL}: HTTP ${response.status}`);
  writeFileSync(`${file}.part`, Buffer.from(await response.arrayBuffer()));
  renameSync(`${file}.part`, file);
  return file;
}

/** A reproducible tarball of test/generate/fixtures/upstream/<top>, compressed by its extension. */
export async function fixtureTarball(top: string, extension: 'tar.gz' | 'tar.xz', outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${top}.${extension}`);
  await run('tar', [
    '--sort=name',
    '--mtime=@1700000000',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    extension === 'tar.gz' ? '-czf' : '-cJf',
    file,
    '-C',
    path.join(FIXTURES, 'upstream'),
    top,
  ]);
  return file;
}
