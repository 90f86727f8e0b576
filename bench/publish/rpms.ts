import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  if (list().length !== count) {
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
