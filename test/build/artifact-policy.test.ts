import { describe, expect, it } from 'vitest';
import { artifactPolicy, checkArtifacts, describeProblems, relationNames, type ArtifactPolicy } from '../../src/build/artifact-policy.js';
import { parseControlFields } from '../../src/build/artifacts.js';
import { packagesStanza, type BinaryPackage } from '../../src/publish/apt/control.js';
import { parseStanzas } from '../../src/publish/apt/deb822.js';
import { loadRecipeFile, resolveRecipe } from '../../src/recipe/load.js';
import type { BuildArtifact } from '../../src/types.js';

const VERSION = '2.0.1-0~deb12+freshet1';
const RPM_VERSION = '2.0.1-0.deb12.freshet1';
const cmocka = loadRecipeFile('recipes/cmocka.yaml');
const deb = artifactPolicy(resolveRecipe(cmocka, 'deb', 'debian-12'), { targetId: 'debian-12', packageVersion: VERSION });
const rpm = artifactPolicy(resolveRecipe(cmocka, 'rpm', 'debian-12-rpm'), { targetId: 'debian-12-rpm', packageVersion: RPM_VERSION });

const artifact = (file: string, kind: BuildArtifact['kind'], fields?: Record<string, string>): BuildArtifact => ({
  file: `/builds/out/${file}`,
  kind,
  size: 1,
  sha256: '0'.repeat(64),
  fields,
});

/** A binary package as freshet's own templates make it (libcmocka0 of cmocka). */
const library = (fields: Record<string, string> = {}) =>
  artifact(`libcmocka0_${VERSION}_amd64.deb`, 'deb', {
    Package: 'libcmocka0',
    Source: 'cmocka',
    Version: VERSION,
    Architecture: 'amd64',
    'Multi-Arch': 'same',
    Depends: 'libc6 (>= 2.34)',
    ...fields,
  });

const dsc = (fields: Record<string, string> = {}) =>
  artifact(`cmocka_${VERSION}.dsc`, 'dsc', {
    Format: '3.0 (quilt)',
    Source: 'cmocka',
    Binary: 'libcmocka0, libcmocka-dev',
    Version: VERSION,
    'Package-List': '\n libcmocka-dev deb libdevel optional arch=any\n libcmocka0 deb libs optional arch=any',
    ...fields,
  });

const rpmHeader = (fields: Record<string, string> = {}) =>
  artifact(`cmocka-${RPM_VERSION}.x86_64.rpm`, 'rpm', {
    NAME: 'cmocka',
    EPOCHNUM: '0',
    VERSION: '2.0.1',
    RELEASE: '0.deb12.freshet1',
    ARCH: 'x86_64',
    SOURCERPM: `cmocka-${RPM_VERSION}.src.rpm`,
    PROVIDENEVRS: [`cmocka = ${RPM_VERSION}`, `cmocka(x86-64) = ${RPM_VERSION}`, 'libcmocka.so.0()(64bit)'].join('\n'),
    FILENAMES: ['/usr/lib64/libcmocka.so.0', '/usr/lib64/libcmocka.so.0.8.0'].join('\n'),
    ...fields,
  });

const fieldsOf = (policy: ArtifactPolicy, artifacts: BuildArtifact[]) => checkArtifacts(policy, artifacts).map((problem) => `${problem.file} ${problem.field}`);

describe('artifactPolicy', () => {
  it('declares the recipe packages per family, their debug packages and the recipe source', () => {
    expect(deb).toMatchObject({ source: 'cmocka', packages: ['libcmocka0', 'libcmocka-dev'], debugPackages: ['libcmocka0-dbgsym', 'libcmocka-dev-dbgsym'], architectures: ['amd64'] });
    expect(rpm).toMatchObject({ source: 'cmocka', packages: ['cmocka', 'cmocka-devel'], architectures: ['x86_64'] });
    expect(rpm.debugPackages).toContain('cmocka-debugsource');
  });

  it('accepts what freshet builds for the recipe: packages, dbgsym, .dsc, source files and RPMs', () => {
    const dbgsym = artifact(`libcmocka0-dbgsym_${VERSION}_amd64.deb`, 'deb', {
      Package: 'libcmocka0-dbgsym',
      Source: 'cmocka',
      Version: VERSION,
      Architecture: 'amd64',
      'Auto-Built-Package': 'debug-symbols',
      Depends: `libcmocka0 (= ${VERSION})`,
    });
    const dev = artifact(`libcmocka-dev_${VERSION}_amd64.deb`, 'deb', {
      Package: 'libcmocka-dev',
      Source: 'cmocka',
      Version: VERSION,
      Architecture: 'amd64',
      Depends: `libcmocka0 (= ${VERSION})`,
    });
    const sources = [artifact(`cmocka_${VERSION}.debian.tar.xz`, 'source-tar'), artifact('cmocka_2.0.1.orig.tar.xz', 'source-tar'), artifact(`cmocka_${VERSION}_amd64.changes`, 'changes')];
    expect(checkArtifacts(deb, [library(), dbgsym, dev, dsc(), ...sources])).toEqual([]);
    const devel = artifact(`cmocka-devel-${RPM_VERSION}.x86_64.rpm`, 'rpm', {
      ...rpmHeader().fields,
      NAME: 'cmocka-devel',
      PROVIDENEVRS: [`cmocka-devel = ${RPM_VERSION}`, `cmocka-devel(x86-64) = ${RPM_VERSION}`, 'pkgconfig(cmocka) = 2.0.1', 'cmake(cmocka)'].join('\n'),
      FILENAMES: ['/usr/lib64/pkgconfig/cmocka.pc', '/usr/lib64/cmake/cmocka/cmocka-config.cmake', '/usr/lib64/libcmocka.so'].join('\n'),
    });
    const srpm = artifact(`cmocka-${RPM_VERSION}.src.rpm`, 'srpm', { NAME: 'cmocka', EPOCHNUM: '0', VERSION: '2.0.1', RELEASE: '0.deb12.freshet1', ARCH: 'x86_64' });
    expect(checkArtifacts(rpm, [rpmHeader(), devel, srpm])).toEqual([]);
  });

  it('case 32: refuses a binary package the recipe does not declare, naming the recipe, the file and the field', () => {
    const bash = artifact('bash_99.0-0~freshet1_amd64.deb', 'deb', { Package: 'bash', Version: '99.0-0~freshet1', Architecture: 'amd64', Essential: 'yes' });
    const problems = checkArtifacts(deb, [library(), bash]);
    expect(problems.map((problem) => problem.field)).toEqual(['Package', 'Source', 'Version', 'Essential']);
    const message = describeProblems(deb, problems);
    expect(message).toContain('recipe cmocka (debian-12)');
    expect(message).toContain('bash_99.0-0~freshet1_amd64.deb: Package: "bash" is not a package the recipe declares for debian-12');
    expect(message).toContain('bash_99.0-0~freshet1_amd64.deb: Essential: "yes"');
  });

  it.each([
    ['wrong Source', { Source: 'bash' }, 'Source'],
    ['Source with another version', { Source: 'cmocka (1.0-1)' }, 'Source'],
    ['wrong Version', { Version: '2.0.1-0~deb12+freshet2' }, 'Version'],
    ['an epoch the plan does not have', { Version: `9:${VERSION}` }, 'Version'],
    ['wrong Architecture', { Architecture: 'arm64' }, 'Architecture'],
    ['all for a recipe with no arch-independent package', { Architecture: 'all' }, 'Architecture'],
    ['Essential: yes', { Essential: 'yes' }, 'Essential'],
    ['essential in lower case', { essential: 'yes' }, 'Essential'],
    ['Protected: yes', { Protected: 'yes' }, 'Protected'],
    ['Important: yes', { Important: 'yes' }, 'Important'],
    ['Pre-Depends', { 'Pre-Depends': 'dpkg (>= 1.20)' }, 'Pre-Depends'],
    ['Replaces naming another package', { Replaces: 'libcmocka-dev, bash (<< 99)' }, 'Replaces'],
    ['Breaks naming another package', { Breaks: 'openssh-server' }, 'Breaks'],
    ['Conflicts naming another package in an alternative', { Conflicts: 'libcmocka-dev | dash:any' }, 'Conflicts'],
    ['Provides naming another package', { Provides: 'libc6 (= 9.9)' }, 'Provides'],
    ['a field given twice in two cases', { package: 'bash' }, 'package'],
  ])('case 32: refuses a .deb with %s', (_, fields, field) => {
    expect(fieldsOf(deb, [library(fields)])).toContain(`libcmocka0_${VERSION}_amd64.deb ${field}`);
  });

  it('case 32: accepts relations naming the recipe packages and the provides it declares', () => {
    const awk = artifactPolicy(
      { ...resolveRecipe(cmocka, 'deb', 'debian-12'), packages: [{ name: 'libcmocka0', depends: [], provides: ['cmocka-runtime'] }] },
      { targetId: 'debian-12', packageVersion: VERSION },
    );
    expect(checkArtifacts(awk, [library({ Provides: 'cmocka-runtime', Replaces: 'libcmocka0 (<< 2)', Breaks: 'cmocka-runtime (<< 1)' })])).toEqual([]);
  });

  it.each([
    ['another Source', { Source: 'bash' }, 'Source'],
    ['another Version', { Version: '99.0-1' }, 'Version'],
    ['a Binary the recipe does not declare', { Binary: 'libcmocka0, bash' }, 'Binary'],
    ['a Package-List naming another package', { 'Package-List': '\n bash deb shells required arch=any essential=yes' }, 'Package-List'],
  ])('case 32: refuses a .dsc with %s', (_, fields, field) => {
    expect(fieldsOf(deb, [dsc(fields)])).toEqual([`cmocka_${VERSION}.dsc ${field}`]);
  });

  it('case 32: refuses source files of another source', () => {
    expect(fieldsOf(deb, [artifact('bash_99.0.orig.tar.gz', 'source-tar')])).toEqual(['bash_99.0.orig.tar.gz file name']);
  });

  it.each([
    ['another Name', { NAME: 'bash' }, 'Name'],
    ['another Version', { VERSION: '99.0' }, 'Version-Release'],
    ['another Release', { RELEASE: '0.deb12.freshet2' }, 'Version-Release'],
    ['an Epoch', { EPOCHNUM: '3' }, 'Version-Release'],
    ['another Arch', { ARCH: 'aarch64' }, 'Arch'],
    ['noarch where the recipe has no arch-independent package', { ARCH: 'noarch' }, 'Arch'],
    ['another source RPM', { SOURCERPM: 'bash-99-1.src.rpm' }, 'SourceRPM'],
    ['Obsoletes naming another package', { OBSOLETENEVRS: 'bash < 99' }, 'Obsoletes'],
    ['Conflicts naming another package', { CONFLICTNEVRS: 'openssh-server' }, 'Conflicts'],
    ['Supplements naming another package', { SUPPLEMENTNEVRS: 'bash' }, 'Supplements'],
    ['Provides of another package name', { PROVIDENEVRS: 'bash = 99' }, 'Provides'],
    ['Provides of another package arch form', { PROVIDENEVRS: 'bash(x86-64) = 99' }, 'Provides'],
    ['Provides of a soname it does not ship', { PROVIDENEVRS: 'libssl.so.3()(64bit)' }, 'Provides'],
    ['Provides of a soname shipped outside a library folder', { PROVIDENEVRS: 'libssl.so.3()(64bit)', FILENAMES: '/usr/share/doc/libssl.so.3' }, 'Provides'],
    ['Provides of a pkg-config module it does not ship', { PROVIDENEVRS: 'pkgconfig(openssl) = 3.0' }, 'Provides'],
    ['Provides of a cmake package it does not ship', { PROVIDENEVRS: 'cmake(OpenSSL)' }, 'Provides'],
    ['Provides of a perl module', { PROVIDENEVRS: 'perl(IO::Socket::SSL)' }, 'Provides'],
  ])('case 32: refuses an RPM with %s', (_, fields, field) => {
    expect(fieldsOf(rpm, [rpmHeader(fields)])).toContain(`cmocka-${RPM_VERSION}.x86_64.rpm ${field}`);
  });

  it('case 32: refuses a source RPM of another name or version', () => {
    const srpm = artifact('bash-99-1.src.rpm', 'srpm', { NAME: 'bash', EPOCHNUM: '0', VERSION: '99', RELEASE: '1', ARCH: 'x86_64' });
    expect(fieldsOf(rpm, [srpm])).toEqual(['bash-99-1.src.rpm Name', 'bash-99-1.src.rpm Version-Release']);
  });
});

describe('files a .dsc lists', () => {
  const row = (name: string) => ` ${'0'.repeat(64)} 1 ${name}`;
  const own = [row('cmocka_2.0.1.orig.tar.xz'), row('cmocka_2.0.1.orig.tar.xz.asc'), row(`cmocka_${VERSION}.debian.tar.xz`)];

  it('case 32: refuses a .dsc whose Checksums-Sha256 or Files list a file other than its own source tarballs (published beside it in the pool)', () => {
    expect(checkArtifacts(deb, [dsc({ 'Checksums-Sha256': `\n${own.join('\n')}`, Files: `\n${own.join('\n')}` })])).toEqual([]);
    const hostile = [...own, row('index.html'), row('bash_5.2.15-2_amd64.deb')].join('\n');
    const problems = checkArtifacts(deb, [dsc({ 'Checksums-Sha256': `\n${hostile}`, Files: `\n${row('lintian.txt')}` })]);
    expect(problems.map((problem) => `${problem.field}: ${problem.message}`)).toEqual([
      `Files: lists "lintian.txt", which is not a source file of cmocka ${VERSION}`,
      `Checksums-Sha256: lists "index.html", "bash_5.2.15-2_amd64.deb", which is not a source file of cmocka ${VERSION}`,
    ]);
  });
});

describe('control fields written with blanks before the colon', () => {
  // dpkg and apt both skip blanks between a field name and its colon: apt marks this package Essential.
  const control = `Package: libcmocka0\nSource: cmocka\nVersion: ${VERSION}\nArchitecture: amd64\nEssential : yes\nReplaces\t: bash\nDescription: x\n`;

  it('case 32: refuses Essential : yes and Replaces<tab>: bash in the build check and in the Packages stanza publish writes', () => {
    const built = checkArtifacts(deb, [artifact(`libcmocka0_${VERSION}_amd64.deb`, 'deb', parseControlFields(control))]);
    expect(built.map((problem) => problem.field)).toEqual(['Essential', 'Replaces']);
    const [stanza] = parseStanzas(control);
    const republished = checkArtifacts(deb, [artifact(`libcmocka0_${VERSION}_amd64.deb`, 'deb', Object.fromEntries(stanza!))]);
    expect(republished.map((problem) => problem.field)).toEqual(['Essential', 'Replaces']);
    const pkg: BinaryPackage = { name: 'libcmocka0', version: VERSION, arch: 'amd64', source: 'cmocka', control: stanza! };
    expect(packagesStanza(pkg, 'pool/x.deb', { size: 1, sha256: '0' })).toContain('\nEssential: yes\nReplaces: bash\n');
  });
});

describe('relationNames', () => {
  it('reads the names of a deb relation field', () => {
    expect(relationNames('a (>= 1) | b:any [amd64] <!nocheck>, c,\n d')).toEqual(['a', 'b', 'c', 'd']);
  });
});
