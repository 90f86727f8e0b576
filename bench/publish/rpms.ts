import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../../src/core/exec.js';

/** Subpackages per rpmbuild run: one spec of 100,000 subpackages would take rpmbuild far longer than 50 of 2,000. */
const CHUNK = 2000;

/**
 * N small noarch RPMs for the YUM bench, made by rpmbuild runs of fixed specs written here
 * (no recipe value reaches them, so rpmbuild may read them on the host): subpackage `<prefix><n>`
 * holds one small file. Kept under var/bench/publish/rpms-N and reused between runs.
 */
export async function ensureRpms(dir: string, prefix: string, count: number, version = '1.0'): Promise<string[]> {
  const out = path.join(dir, 'RPMS', 'noarch');
  const list = () => (existsSync(out) ? readdirSync(out).filter((file) => new RegExp(`^${prefix}\\d+-`).test(file) && file.endsWith('.rpm')) : []);
  if (list().length !== count && count > TEMPLATE_FROM) await writeFromTemplate(dir, out, prefix, count, version);
  else if (list().length !== count) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.join(dir, 'SPECS'), { recursive: true });
    for (let first = 0; first < count; first += CHUNK) {
      const names = Array.from({ length: Math.min(CHUNK, count - first) }, (_, index) => `${prefix}${String(first + index).padStart(6, '0')}`);
      const spec = [
        `Name: ${prefix}-all-${first}`,
        `Version: ${version}`,
        'Release: 1',
        'Summary: bench package',
        'License: MIT',
        'BuildArch: noarch',
        '%description',
        'Bench packages.',
        ...names.flatMap((name) => [`%package -n ${name}`, 'Summary: bench package', `%description -n ${name}`, 'A bench package.']),
        '%install',
        `for n in ${names.join(' ')}; do mkdir -p %{buildroot}/usr/share/$n && echo $n > %{buildroot}/usr/share/$n/README; done`,
        '%files',
        ...names.flatMap((name) => [`%files -n ${name}`, `/usr/share/${name}/README`]),
        '',
      ].join('\n');
      const specFile = path.join(dir, 'SPECS', `bench-${first}.spec`);
      writeFileSync(specFile, spec);
      await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${dir}`, specFile], {
        env: { SOURCE_DATE_EPOCH: '1700000000', LC_ALL: 'C.UTF-8' },
        timeoutMs: 60 * 60_000,
      });
    }
  }
  return list()
    .sort()
    .map((file) => path.join(out, file));
}

/** From this many packages on, rpmbuild (2–5 minutes per 2,000 here) is replaced by copies of one package it built. */
const TEMPLATE_FROM = 10_000;
const LEAD_SIZE = 96;
const SIGTAG_SHA1 = 269;
const SIGTAG_SHA256 = 273;
const SIGTAG_MD5 = 1004;

/**
 * `count` packages from one that rpmbuild makes: its file is at a path without the package name,
 * so the payload is the same for all, and the name (fixed width: six digits) is replaced in the
 * main header without moving anything. The digests of the signature header (SHA1 and SHA256 of
 * the main header, MD5 of header and payload) are written again; rpmkeys --checksig accepts them.
 */
async function writeFromTemplate(dir: string, out: string, prefix: string, count: number, version: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'SPECS'), { recursive: true });
  const templateName = `${prefix}${'0'.repeat(6)}`;
  const spec = [
    `Name: ${prefix}-all`, `Version: ${version}`, 'Release: 1', 'Summary: bench package', 'License: MIT', 'BuildArch: noarch', '%description', 'Bench packages.',
    `%package -n ${templateName}`, 'Summary: bench package', `%description -n ${templateName}`, 'A bench package.',
    '%install', 'mkdir -p %{buildroot}/usr/share/freshet-bench && echo bench > %{buildroot}/usr/share/freshet-bench/README',
    `%files -n ${templateName}`, '/usr/share/freshet-bench/README', '',
  ].join('\n');
  const specFile = path.join(dir, 'SPECS', 'template.spec');
  writeFileSync(specFile, spec);
  await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${dir}`, specFile], { env: { SOURCE_DATE_EPOCH: '1700000000', LC_ALL: 'C.UTF-8' }, timeoutMs: 600_000 });
  const templateFile = path.join(out, `${templateName}-${version}-1.noarch.rpm`);
  const template = readFileSync(templateFile);
  const headerAt = (offset: number) => ({ tags: template.readInt32BE(offset + 8), bytes: template.readInt32BE(offset + 12) });
  const signature = headerAt(LEAD_SIZE);
  const signatureStore = LEAD_SIZE + 16 + signature.tags * 16;
  const mainStart = LEAD_SIZE + Math.ceil((16 + signature.tags * 16 + signature.bytes) / 8) * 8;
  const main = headerAt(mainStart);
  const mainEnd = mainStart + 16 + main.tags * 16 + main.bytes;
  const offsetOf = (tag: number) => {
    for (let entry = 0; entry < signature.tags; entry += 1) {
      const at = LEAD_SIZE + 16 + entry * 16;
      if (template.readInt32BE(at) === tag) return signatureStore + template.readInt32BE(at + 8);
    }
    throw new Error(`${templateFile}: no signature tag ${tag}`);
  };
  const [sha1At, sha256At, md5At] = [offsetOf(SIGTAG_SHA1), offsetOf(SIGTAG_SHA256), offsetOf(SIGTAG_MD5)];
  const nameAt: number[] = [];
  for (let at = template.indexOf(templateName, mainStart); at >= 0 && at < mainEnd; at = template.indexOf(templateName, at + 1)) nameAt.push(at);
  for (let index = 1; index < count; index += 1) {
    const name = `${prefix}${String(index).padStart(6, '0')}`;
    const bytes = Buffer.from(template);
    for (const at of nameAt) bytes.write(name, at, 'latin1');
    const header = bytes.subarray(mainStart, mainEnd);
    bytes.write(createHash('sha1').update(header).digest('hex'), sha1At, 'latin1');
    bytes.write(createHash('sha256').update(header).digest('hex'), sha256At, 'latin1');
    createHash('md5').update(bytes.subarray(mainStart)).digest().copy(bytes, md5At);
    writeFileSync(path.join(out, `${name}-${version}-1.noarch.rpm`), bytes);
  }
}
