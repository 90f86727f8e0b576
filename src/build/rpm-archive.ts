import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig, ResolvedTarget } from '../config/load.js';
import { UserError } from '../core/errors.js';
import { log } from '../core/log.js';
import { dnfClient } from '../gate/rpm/dnf.js';
import { relationNames } from '../pipeline/graph.js';
import { rpmCheckSignatures } from '../publish/yum/sign.js';
import { loadRecipes, resolveRecipe } from '../recipe/load.js';
import { createStaticHandler, listen } from '../serve/static.js';
import { KEYRING_ASC } from '../sign/key.js';
import { imageRef, type ImageContext, type ImageOutcome } from './images.js';
import { OWNER_LABEL, ownerLabels, RUN_LABEL } from './labels.js';

/**
 * rpm-on-Debian targets (debian-12-rpm) and freshet's own YUM repository (chains, issue 15).
 * Their build and gate images hold Debian packages installed with apt, and rpm there installs with
 * --nodeps. A dependency that a recipe of the archive provides must be that recipe's RPM (in
 * /usr/lib64, the version the consumer needs), never Debian's older package of the same library:
 * so its Debian relation is left out of apt's list, and the RPMs come from the target's signed
 * YUM repository in the staging archive, resolved on the host by dnf (gpgcheck=1,
 * repo_gpgcheck=1), checked with rpm -K against the archive key, and installed in a layer over
 * the apt image with `rpm -i --nodeps`, signatures enforced. dnf cannot install inside: the
 * builder's rpm database is empty (Debian's libc is dpkg's), so every RPM's libc.so.6 requirement
 * would be unresolvable.
 */
export interface ArchiveSplit {
  /** Debian relations for apt: those no archive recipe provides. */
  debian: string[];
  /** RPM relations (Fedora names) to take from the target's YUM repository. */
  rpm: string[];
}

/**
 * Splits a recipe's dependencies for an rpm-on-Debian target: `debian` are its Debian relations
 * (build and runtime, as the caller gathered them), `rpm` its relations resolved for rpm.
 * `archiveRecipes` are the recipes with packages in the archive the build or gate sees.
 */
export function splitArchiveDepends(
  config: ResolvedConfig,
  target: ResolvedTarget,
  recipeName: string,
  relations: { debian: readonly string[]; rpm: readonly string[] },
  archiveRecipes: readonly string[],
): ArchiveSplit {
  const others = archiveRecipes.filter((name) => name !== recipeName);
  if (target.family !== 'rpm' || target.distro === 'fedora' || others.length === 0) return { debian: [...relations.debian], rpm: [] };
  const provided = { deb: new Set<string>(), rpm: new Set<string>() };
  for (const loaded of loadRecipes(config.recipesDir, others)) {
    for (const family of ['deb', 'rpm'] as const) {
      for (const pkg of resolveRecipe(loaded, family, target.id, config.dependencies).packages) {
        for (const name of [pkg.name, ...(pkg.provides ?? [])]) provided[family].add(name);
      }
    }
  }
  const fromArchive = (relation: string, names: Set<string>) => relationNames(relation).some((name) => names.has(name));
  return {
    debian: relations.debian.filter((relation) => !fromArchive(relation, provided.deb)),
    rpm: [...new Set(relations.rpm.filter((relation) => fromArchive(relation, provided.rpm)))].sort(),
  };
}

/**
 * On the host: the RPM files of the staging YUM repository that satisfy `requires`, with what they
 * require from the same repository (what they need from the distribution is Debian's, in the
 * image already), each checked with rpm -K against the archive key. Throws naming the relation
 * nothing in the repository satisfies.
 */
export async function resolveArchiveRpms(stagingRoot: string, target: ResolvedTarget, requires: readonly string[]): Promise<string[]> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'freshet-rpm-deps-'));
  const server = await listen(createStaticHandler({ root: stagingRoot }), '127.0.0.1', 0);
  try {
    const repoDir = path.join(stagingRoot, 'rpm', target.codename);
    const client = dnfClient(path.join(work, 'dnf'), {
      id: 'freshet',
      baseurl: new URL(`rpm/${target.codename}/`, server.url).href,
      gpgkey: new URL(KEYRING_ASC, server.url).href,
      releasever: target.release,
    });
    const query = async (args: string[]): Promise<string[]> => {
      // No logFile: run() would send stdout there instead of returning it.
      const result = await client.dnf(['repoquery', '--repo', 'freshet', '--latest-limit', '1', '--arch', 'x86_64,noarch', '--qf', '%{name}\t%{location}', ...args]);
      return result.stdout.split('\n').map((line) => line.trim()).filter((line) => line.includes('\t'));
    };
    const chosen = new Map<string, string>();
    let pending: string[] = [];
    for (const relation of requires) {
      const found = await query(['--whatprovides', relation]);
      if (found.length === 0) {
        throw new UserError(`${target.id}: nothing in freshet's YUM repository provides ${relation}`, {
          hint: 'the recipe that provides it must be built, gated and published (or gated earlier in this run) first',
        });
      }
      pending.push(...found);
    }
    // What those require from the same repository (the library package of a -devel, …); capabilities
    // only the distribution provides (libc.so.6, /bin/sh) resolve to nothing here and are Debian's.
    while (pending.length > 0) {
      const fresh = pending.filter((line) => !chosen.has(line.split('\t')[0]!));
      for (const line of fresh) chosen.set(line.split('\t')[0]!, line.split('\t')[1]!);
      pending = fresh.length === 0 ? [] : await query(['--requires', '--resolve', ...fresh.map((line) => line.split('\t')[0]!)]);
    }
    const files = [...chosen.values()].sort().map((location) => path.join(repoDir, location));
    const keyFile = path.join(work, 'key.asc');
    copyFileSync(path.join(stagingRoot, KEYRING_ASC), keyFile);
    const signatures = await rpmCheckSignatures(keyFile, files, path.join(work, 'rpmdb'));
    if (!signatures.ok) throw new UserError(`${target.id}: rpm -K: a package from freshet's YUM repository does not verify against the archive key\n${signatures.output}`);
    return files;
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

// Installed as the gate installs them: the archive key in rpm's database, signatures required,
// --nodeps (their libc is Debian's). /usr/lib64 goes before Debian's library folders, so the
// loader takes the archive's newer library over Debian's package of the same soname.
const ARCHIVE_RPM_SCRIPT =
  'set -eu; rpmkeys --import /freshet-rpms/key.asc; rpm -i --nodeps --define "_pkgverify_level signature" /freshet-rpms/packages/*.rpm; ' +
  'echo /usr/lib64 > /etc/ld.so.conf.d/00-freshet-lib64.conf; ldconfig; rpm -qa --qf "%{NAME} %{VERSION}-%{RELEASE}\\n"';

/**
 * A layer over `base` (the apt deps image or the builder) with the archive's RPMs installed. Its
 * tag is keyed by the base image and the RPM files' bytes: a new provider build makes a new layer.
 */
export async function ensureArchiveRpmImage(
  target: ResolvedTarget,
  base: ImageOutcome,
  stagingRoot: string,
  files: readonly string[],
  context: ImageContext,
): Promise<ImageOutcome> {
  const started = Date.now();
  const digest = createHash('sha256').update(base.id);
  for (const file of files) digest.update(`\0${path.basename(file)}\0`).update(readFileSync(file));
  const key = `rpms-${digest.digest('hex').slice(0, 16)}`;
  const ref = imageRef.deps(target.id, key);
  const existing = await context.engine.inspectImage(ref);
  if (existing) return { ref, id: existing.id, how: 'cached', durationMs: Date.now() - started };
  const folder = mkdtempSync(path.join(os.tmpdir(), 'freshet-rpm-layer-'));
  const name = `freshet-deps-${target.id}-${key}-${randomBytes(3).toString('hex')}`;
  const logDir = path.join(context.stateDir, 'images');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `deps-${target.id}-${key}.log`);
  log.info('installing build dependencies from the archive', { target: target.id, image: ref, rpms: files.map((file) => path.basename(file)), log: logFile });
  try {
    mkdirSync(path.join(folder, 'packages'));
    copyFileSync(path.join(stagingRoot, KEYRING_ASC), path.join(folder, 'key.asc'));
    for (const file of files) copyFileSync(file, path.join(folder, 'packages', path.basename(file)));
    await context.engine.run(
      {
        image: base.ref,
        command: ['sh', '-c', ARCHIVE_RPM_SCRIPT],
        mounts: [{ source: folder, target: '/freshet-rpms', readonly: true }],
        name,
        network: 'none',
        user: 'root',
        labels: ownerLabels(name),
        capabilities: 'default',
        keep: true,
        timeoutMs: 10 * 60_000,
      },
      { logFile },
    );
    await context.engine.commit(name, ref, [`LABEL freshet.deps.key=${key}`, `LABEL freshet.target=${target.id}`, `LABEL ${RUN_LABEL}=""`, `LABEL ${OWNER_LABEL}=""`, 'USER builder']);
  } finally {
    await context.engine.removeContainers([name]);
    rmSync(folder, { recursive: true, force: true });
  }
  const image = await context.engine.inspectImage(ref);
  if (!image) throw new UserError(`${context.engine.name} has no image ${ref} right after making it`);
  return { ref, id: image.id, how: 'built', durationMs: Date.now() - started };
}
