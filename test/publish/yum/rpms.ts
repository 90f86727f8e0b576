import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../../../src/core/exec.js';
import type { BuildArtifact } from '../../../src/types.js';
import { artifact } from '../fixtures.js';

/**
 * Tiny noarch RPMs for the YUM tests and bench, from a fixed spec written here (no recipe value
 * reaches it, so rpmbuild may read it on the host). One rpmbuild run makes any number of packages:
 * each is a subpackage `<prefix><n>` holding one small file.
 */
export async function makeRpms(dir: string, options: { prefix: string; count: number; version: string; release?: string }): Promise<BuildArtifact[]> {
  const top = path.join(dir, `rpmbuild-${options.prefix}-${options.version}`);
  mkdirSync(path.join(top, 'SPECS'), { recursive: true });
  const names = Array.from({ length: options.count }, (_, index) => `${options.prefix}${index}`);
  const spec = [
    `Name: ${options.prefix}base`,
    `Version: ${options.version}`,
    `Release: ${options.release ?? '1'}`,
    'Summary: test package',
    'License: MIT',
    'BuildArch: noarch',
    '%description',
    'A tiny package made by the YUM tests.',
    ...names.flatMap((name) => [`%package -n ${name}`, 'Summary: test package', `%description -n ${name}`, 'A tiny package.']),
    '%install',
    ...names.map((name) => `mkdir -p %{buildroot}/usr/share/${name} && echo ${name} > %{buildroot}/usr/share/${name}/README`),
    '%files',
    ...names.flatMap((name) => [`%files -n ${name}`, `/usr/share/${name}/README`]),
    '',
  ].join('\n');
  const specFile = path.join(top, 'SPECS', 'test.spec');
  writeFileSync(specFile, spec);
  await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', 'source_date_epoch_from_changelog 0', specFile], {
    env: { SOURCE_DATE_EPOCH: '1700000000', LC_ALL: 'C.UTF-8' },
    timeoutMs: 30 * 60_000,
  });
  const out = path.join(top, 'RPMS', 'noarch');
  return readdirSync(out)
    .filter((file) => names.some((name) => file.startsWith(`${name}-${options.version}-`)))
    .sort()
    .map((file) => artifact(path.join(out, file), 'rpm'));
}
