import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../../src/core/exec.js';

/**
 * N small noarch RPMs for the YUM bench, made by one rpmbuild run of a fixed spec written here
 * (no recipe value reaches it, so rpmbuild may read it on the host): subpackage `bench<n>` holds one
 * small file. Kept under var/bench/publish/rpms-N and reused between runs.
 */
export async function ensureRpms(dir: string, prefix: string, count: number, version = '1.0'): Promise<string[]> {
  const out = path.join(dir, 'RPMS', 'noarch');
  const list = () => (existsSync(out) ? readdirSync(out).filter((file) => new RegExp(`^${prefix}\\d+-`).test(file) && file.endsWith('.rpm')) : []);
  if (list().length !== count) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.join(dir, 'SPECS'), { recursive: true });
    const names = Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(5, '0')}`);
    const spec = [
      `Name: ${prefix}-all`,
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
    writeFileSync(path.join(dir, 'SPECS', 'bench.spec'), spec);
    await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${dir}`, path.join(dir, 'SPECS', 'bench.spec')], {
      env: { SOURCE_DATE_EPOCH: '1700000000', LC_ALL: 'C.UTF-8' },
      timeoutMs: 60 * 60_000,
    });
  }
  return list()
    .sort()
    .map((file) => path.join(out, file));
}
