import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

const HELLO_SIGNATURE_URL = `${HELLO_URL}.asc`;
const HELLO_SIGNATURE_SHA256 = '8f875bf880f56276d44389fee54d89a6e6cc3e79f58c011ad31ce7f91a3cc73a';

/** GNU's signature of hello 2.12.3 (armored, as Debian keeps it), checked against Debian's Sources sum. */
export async function helloSignature(): Promise<Buffer> {
  const file = path.join(CACHE, 'hello-2.12.3.tar.gz.asc');
  if (!existsSync(file)) {
    const response = await fetch(HELLO_SIGNATURE_URL);
    if (!response.ok) throw new Error(`${HELLO_SIGNATURE_URL}: HTTP ${response.status}`);
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(`${file}.part`, Buffer.from(await response.arrayBuffer()));
    renameSync(`${file}.part`, file);
  }
  const bytes = readFileSync(file);
  if (createHash('sha256').update(bytes).digest('hex') !== HELLO_SIGNATURE_SHA256) throw new Error(`${file}: sha256 differs from Debian's`);
  return bytes;
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
