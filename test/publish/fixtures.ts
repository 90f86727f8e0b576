import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, type ResolvedConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';
import { capture, run } from '../../src/core/exec.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey } from '../../src/sign/key.js';
import type { BuildArtifact } from '../../src/types.js';

/** Tiny real packages and a throwaway config for publish tests and the bench. */
export function artifact(file: string, kind: BuildArtifact['kind']): BuildArtifact {
  const data = readFileSync(file);
  return { file, kind, size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

/** Every entry under `root`: files with size and sha256, symlinks with their target, folders. */
export function treeContents(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((relative) => {
      const file = path.join(root, relative);
      const stats = lstatSync(file);
      if (stats.isSymbolicLink()) return `${relative} -> ${readlinkSync(file)}`;
      if (stats.isDirectory()) return `${relative}/`;
      return `${relative} ${stats.size} ${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
    });
}

export interface DebSpec {
  name: string;
  version: string;
  arch?: 'all' | 'amd64';
  depends?: string;
  /** Extra bytes in the payload, to make a same-named file with other content. */
  payload?: string;
}

export async function makeDeb(dir: string, spec: DebSpec): Promise<BuildArtifact> {
  const arch = spec.arch ?? 'all';
  const tree = path.join(dir, `tree-${spec.name}-${spec.version}-${arch}`);
  mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  mkdirSync(path.join(tree, 'usr/share/doc', spec.name), { recursive: true });
  writeFileSync(path.join(tree, 'usr/share/doc', spec.name, 'README'), `${spec.name} ${spec.version}\n${spec.payload ?? ''}`);
  const control = [
    `Package: ${spec.name}`,
    `Version: ${spec.version}`,
    `Architecture: ${arch}`,
    'Maintainer: freshet tests <tests@localhost>',
    'Section: misc',
    'Priority: optional',
    ...(spec.depends ? [`Depends: ${spec.depends}`] : []),
    `Description: test package ${spec.name}`,
    ' A tiny package made by the publish tests.',
    '',
  ].join('\n');
  writeFileSync(path.join(tree, 'DEBIAN/control'), control);
  const out = path.join(dir, `${spec.name}_${spec.version}_${arch}.deb`);
  await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, out], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
  return artifact(out, 'deb');
}

/** A .deb at `out` with exactly these control fields, whatever they claim (dpkg-deb builds it). */
export async function debWithControl(out: string, fields: string[]): Promise<string> {
  const tree = path.join(path.dirname(out), `tree-${path.basename(out)}`);
  mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  writeFileSync(path.join(tree, 'DEBIAN/control'), [...fields, 'Maintainer: freshet tests <tests@localhost>', 'Description: test package', ''].join('\n'));
  await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, out], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
  return out;
}

/** A native source package made with dpkg-source -b: the .dsc and its tarball. */
export async function makeSource(dir: string, name: string, version: string): Promise<BuildArtifact[]> {
  const tree = path.join(dir, `${name}-${version}`);
  mkdirSync(path.join(tree, 'debian/source'), { recursive: true });
  writeFileSync(path.join(tree, 'debian/source/format'), '3.0 (native)\n');
  writeFileSync(
    path.join(tree, 'debian/control'),
    `Source: ${name}\nMaintainer: freshet tests <tests@localhost>\nSection: misc\nPriority: optional\nStandards-Version: 4.6.2\n\nPackage: ${name}\nArchitecture: all\nDescription: test package ${name}\n A tiny package.\n`,
  );
  writeFileSync(
    path.join(tree, 'debian/changelog'),
    `${name} (${version}) unstable; urgency=medium\n\n  * Test.\n\n -- freshet tests <tests@localhost>  Tue, 14 Nov 2023 22:13:20 +0000\n`,
  );
  writeFileSync(path.join(tree, 'debian/rules'), '#!/usr/bin/make -f\n%:\n\tdh $@\n', { mode: 0o755 });
  await run('dpkg-source', ['-b', path.basename(tree)], { cwd: dir, env: { SOURCE_DATE_EPOCH: '1700000000' } });
  return [artifact(path.join(dir, `${name}_${version}.dsc`), 'dsc'), artifact(path.join(dir, `${name}_${version}.tar.xz`), 'source-tar')];
}

/** A config file plus its resolved form, everything under `dir`. */
export function makeConfig(dir: string, archiveInfo: Record<string, unknown> = {}): ResolvedConfig {
  const raw = {
    archive: 'archive',
    state: 'state',
    archiveInfo: { origin: 'freshet-test', label: 'freshet-test', validDays: 7, graceHours: 24, keep: 2, ...archiveInfo },
    targets: [
      { id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } },
      { id: 'debian-13', family: 'deb', distro: 'debian', release: '13', codename: 'trixie', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } },
    ],
  };
  const file = path.join(dir, 'freshet.config.yaml');
  writeFileSync(file, JSON.stringify(raw, null, 2));
  return resolveConfig(Config.parse(raw), file);
}

export interface SignedProject {
  dir: string;
  config: ResolvedConfig;
  /** Stops the project's gpg agent and deletes it; for an afterAll. */
  remove(): Promise<void>;
}

/** A throwaway project (makeConfig) with an archive key, for a beforeAll. */
export async function signedProject(prefix: string): Promise<SignedProject> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const config = makeConfig(dir);
  await createKey(config.stateDir, { name: 'freshet test', email: 'test@localhost', algorithm: 'ed25519', expire: '2y' });
  const remove = async () => {
    await stopAgent(gnupgHome(config.stateDir));
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, config, remove };
}

/** Name, version, architecture and source of a built package, read from the file. */
async function packageHeader(file: BuildArtifact): Promise<{ name: string; version: string; arch: string; source: string }> {
  if (file.kind === 'deb') {
    const [name, version, arch, source] = (await capture('dpkg-deb', ['--show', '--showformat', '${Package}\t${Version}\t${Architecture}\t${source:Package}', file.file])).split('\t');
    return { name: name!, version: version!, arch: arch!, source: source! };
  }
  const [name, version, arch, sourceRpm] = (await capture('rpm', ['-qp', '--queryformat', '%{NAME}\t%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SOURCERPM}', file.file])).split('\t');
  return { name: name!, version: version!, arch: arch!, source: sourceRpm!.slice(0, -`-${version}.src.rpm`.length) };
}

/**
 * A build result as `freshet run` leaves it, and the recipe of its packages in the project at `dir`
 * (`freshet publish` checks build output against the recipe it was built from).
 */
export async function writeBuildResult(dir: string, name: string, targetId: string, artifacts: BuildArtifact[]): Promise<string> {
  const headers = await Promise.all(artifacts.map(packageHeader));
  const { source, version } = headers[0]!;
  const recipe = {
    name: source,
    summary: 'test package',
    description: 'A tiny package made by the publish tests.',
    homepage: 'https://example.org/',
    license: 'MIT',
    copyright: ['2024 freshet tests'],
    upstream: { kind: 'html-index', url: `https://example.org/${source}/`, pattern: `${source}-(\\d[\\d.]*)\\.tar\\.gz` },
    build: { system: 'autotools' },
    packages: [
      // An RPM recipe's main package is named like the source; the RPM tests publish only subpackages with names of their own.
      ...(headers.some((header) => header.name === source) ? [] : [{ name: source }]),
      ...headers.map((header) => ({ name: { deb: header.name, rpm: header.name }, architecture: header.arch === 'all' || header.arch === 'noarch' ? 'all' : 'any' })),
    ],
  };
  mkdirSync(path.join(dir, 'recipes'), { recursive: true });
  writeFileSync(path.join(dir, 'recipes', `${source}.yaml`), JSON.stringify(recipe, null, 2));
  const file = path.join(dir, `${name}.result.json`);
  const now = new Date().toISOString();
  writeFileSync(
    file,
    JSON.stringify({ jobId: name, recipe: source, targetId, packageVersion: version, status: 'ok', artifacts, logFile: '', startedAt: now, finishedAt: now }),
  );
  return file;
}
