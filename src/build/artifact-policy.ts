import path from 'node:path';
import { rpmPackageNames } from '../recipe/rpm-names.js';
import type { ResolvedRecipe } from '../recipe/load.js';
import type { BuildArtifact, Family } from '../types.js';
import { classifyArtifact, fileVersion, upstreamOf } from './artifacts.js';

/**
 * What a build may hand to the archive, derived from the recipe alone (docs/archive.md, "Only what
 * the recipe declares"). Build output is untrusted: upstream code ran in that container and may
 * have left any package beside ours. Pure: the fields were read by the collectors (and again by the
 * publisher), this module only compares them.
 */
export interface ArtifactPolicy {
  recipe: string;
  family: Family;
  targetId: string;
  /** The source package (and SRPM) name: the recipe's name. */
  source: string;
  /** The planned `[epoch:]version-revision`. */
  version: string;
  /** Binary package names the recipe declares for this family and target. */
  packages: string[];
  /** Debug packages the build tools make of those (`-dbgsym`, `-debuginfo`, `-debugsource`). */
  debugPackages: string[];
  /** Architectures a binary package may have. */
  architectures: string[];
  /** Names that Provides, Replaces, Breaks, Conflicts, Obsoletes and Supplements may name. */
  relations: string[];
}

export interface ArtifactProblem {
  file: string;
  field: string;
  message: string;
}

const HOST_ARCH: Record<Family, string> = { deb: 'amd64', rpm: 'x86_64' };
const ARCH_INDEPENDENT: Record<Family, string> = { deb: 'all', rpm: 'noarch' };

export interface PolicyJob {
  targetId: string;
  packageVersion: string;
  /** RPM: per recipe package, whether the recipe named it for RPM itself (see explicitRpmNames). */
  explicitRpmNames?: boolean[];
}

export function artifactPolicy(recipe: ResolvedRecipe, job: PolicyJob): ArtifactPolicy {
  const family = recipe.family;
  const packages = family === 'rpm' ? rpmPackageNames(recipe, job.explicitRpmNames) : recipe.packages.map((pkg) => pkg.name);
  const debugPackages =
    family === 'rpm' ? [...packages.map((name) => `${name}-debuginfo`), `${recipe.name}-debugsource`] : packages.map((name) => `${name}-dbgsym`);
  const independent = recipe.packages.some((pkg) => (pkg.architecture ?? (pkg.role === 'doc' || pkg.role === 'data' ? 'all' : 'any')) === 'all');
  const provides = recipe.packages.flatMap((pkg) => pkg.provides ?? []);
  return {
    recipe: recipe.name,
    family,
    targetId: job.targetId,
    source: recipe.name,
    version: job.packageVersion,
    packages,
    debugPackages,
    architectures: independent ? [HOST_ARCH[family], ARCH_INDEPENDENT[family]] : [HOST_ARCH[family]],
    relations: [...new Set([...packages, ...debugPackages, ...provides])],
  };
}

/** Every problem with a build's artifacts; an empty list lets them go on to staging and the gate. */
export function checkArtifacts(policy: ArtifactPolicy, artifacts: readonly BuildArtifact[]): ArtifactProblem[] {
  return artifacts.flatMap((artifact) => {
    const file = path.basename(artifact.file);
    const fields = artifact.fields ?? {};
    switch (artifact.kind) {
      case 'deb':
      case 'udeb':
        return checkDebFields(policy, file, fields);
      case 'dsc':
        return checkDscFields(policy, file, fields);
      case 'rpm':
      case 'srpm':
        return checkRpmFields(policy, file, artifact.kind, fields);
      default:
        return file.startsWith(`${policy.source}_`) ? [] : [{ file, field: 'file name', message: `does not belong to source ${policy.source}` }];
    }
  });
}

/** One line naming the recipe, then each file and field. */
export function describeProblems(policy: ArtifactPolicy, problems: readonly ArtifactProblem[]): string {
  const each = problems.map((problem) => `${problem.file}: ${problem.field}: ${problem.message}`);
  return `recipe ${policy.recipe} (${policy.targetId}): build output refused, nothing was staged or published: ${each.join('; ')}`;
}

const allowed = (names: readonly string[]) => names.map((name) => JSON.stringify(name)).join(', ');

const binaryNameSets = new WeakMap<ArtifactPolicy, Set<string>>();

/** Whether the recipe declares this binary package; a set per policy, since a publish of 10,000 packages asks 10,000 times. */
function declaresBinary(policy: ArtifactPolicy, name: string): boolean {
  let names = binaryNameSets.get(policy);
  if (!names) binaryNameSets.set(policy, (names = new Set([...policy.packages, ...policy.debugPackages])));
  return names.has(name);
}

/** Package names in a deb relation field: `a (>= 1) | b:any [amd64] <!nocheck>, c`. */
export function relationNames(value: string): string[] {
  return value
    .split(/[,|]/)
    .map((entry) => /^\s*([^\s(:[<]+)/.exec(entry)?.[1])
    .filter((name): name is string => name !== undefined);
}

// Fields that change what happens to other packages on an upgrade; freshet's templates emit none.
const DEB_REFUSED = ['Essential', 'Protected', 'Important', 'Pre-Depends'];
const DEB_RELATIONS = ['Provides', 'Replaces', 'Breaks', 'Conflicts'];

/**
 * deb822 field names are case-insensitive for dpkg and apt: `essential: yes` counts. A name given
 * twice is refused, since readers disagree on which one wins.
 */
function caseInsensitive(fields: Record<string, string>, file: string, problems: ArtifactProblem[]): (name: string) => string | undefined {
  const folded = new Map<string, { key: string; value: string }>();
  for (const [key, value] of Object.entries(fields)) {
    const seen = folded.get(key.toLowerCase());
    if (seen) problems.push({ file, field: key, message: `given more than once (as ${seen.key})` });
    folded.set(key.toLowerCase(), { key, value });
  }
  return (name) => folded.get(name.toLowerCase())?.value;
}

export function checkDebFields(policy: ArtifactPolicy, file: string, given: Record<string, string>): ArtifactProblem[] {
  const problems: ArtifactProblem[] = [];
  const problem = (where: string, message: string) => problems.push({ file, field: where, message });
  const field = caseInsensitive(given, file, problems);
  const name = field('Package') ?? '';
  if (!declaresBinary(policy, name)) {
    problem('Package', `${JSON.stringify(name)} is not a package the recipe declares for ${policy.targetId} (${allowed([...policy.packages, ...policy.debugPackages])})`);
  }
  // dpkg-gencontrol leaves Source out when it equals Package; a different version follows in parentheses.
  const source = field('Source') ?? name;
  const sourceMatch = /^(\S+)(?: \((\S+)\))?$/.exec(source);
  if (!sourceMatch || sourceMatch[1] !== policy.source || (sourceMatch[2] !== undefined && sourceMatch[2] !== policy.version)) {
    problem('Source', `${JSON.stringify(source)} is not the recipe's source ${policy.source}`);
  }
  if (field('Version') !== policy.version) problem('Version', `${JSON.stringify(field('Version') ?? '')} is not the planned version ${policy.version}`);
  if (!policy.architectures.includes(field('Architecture') ?? '')) {
    problem('Architecture', `${JSON.stringify(field('Architecture') ?? '')} is not one of ${allowed(policy.architectures)}`);
  }
  for (const refused of DEB_REFUSED) {
    const value = field(refused);
    if (value !== undefined) problem(refused, `${JSON.stringify(value)}: a recipe cannot declare ${refused} and freshet never sets it`);
  }
  for (const relation of DEB_RELATIONS) {
    const foreign = relationNames(field(relation) ?? '').filter((other) => !policy.relations.includes(other));
    if (foreign.length > 0) problem(relation, `names ${allowed(foreign)}, which the recipe does not declare`);
  }
  return problems;
}

export function checkDscFields(policy: ArtifactPolicy, file: string, given: Record<string, string>): ArtifactProblem[] {
  const problems: ArtifactProblem[] = [];
  const field = caseInsensitive(given, file, problems);
  if (field('Source') !== policy.source) problems.push({ file, field: 'Source', message: `${JSON.stringify(field('Source') ?? '')} is not the recipe's source ${policy.source}` });
  if (field('Version') !== policy.version) {
    problems.push({ file, field: 'Version', message: `${JSON.stringify(field('Version') ?? '')} is not the planned version ${policy.version}` });
  }
  const binaries = (field('Binary') ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const foreign = binaries.filter((name) => !policy.packages.includes(name));
  if (binaries.length === 0) problems.push({ file, field: 'Binary', message: 'is missing' });
  if (foreign.length > 0) problems.push({ file, field: 'Binary', message: `names ${allowed(foreign)}, which the recipe does not declare` });
  const listed = (field('Package-List') ?? '').split('\n').map((line) => line.trim().split(/\s+/)[0]).filter((name): name is string => Boolean(name));
  const unlisted = listed.filter((name) => !policy.packages.includes(name));
  if (unlisted.length > 0) problems.push({ file, field: 'Package-List', message: `names ${allowed(unlisted)}, which the recipe does not declare` });
  // The publisher puts every file a .dsc lists beside it in the pool: only this source's own tarballs may be listed.
  const identity = { source: policy.source, version: fileVersion(policy.version), upstreamVersion: upstreamOf(policy.version) };
  for (const list of ['Files', 'Checksums-Sha1', 'Checksums-Sha256']) {
    const names = (field(list) ?? '').split('\n').map((line) => line.trim().split(/\s+/)[2]).filter((name): name is string => Boolean(name));
    const strays = names.filter((name) => classifyArtifact(name, identity) !== 'source-tar');
    if (strays.length > 0) problems.push({ file, field: list, message: `lists ${allowed(strays)}, which is not a source file of ${policy.source} ${policy.version}` });
  }
  return problems;
}

/**
 * Multi-valued RPM header tags, as the collector stores them: one entry per line. The *NEVRS tags
 * read `name`, or `name op [epoch:]version-release`.
 */
export const RPM_LIST_TAGS = ['PROVIDENEVRS', 'OBSOLETENEVRS', 'CONFLICTNEVRS', 'SUPPLEMENTNEVRS', 'FILENAMES'] as const;

const lines = (value: string | undefined) => (value ?? '').split('\n').filter(Boolean);
const relationName = (entry: string) => entry.split(' ')[0]!;

/**
 * Provides rpm's own generators make (elf, pkgconfig, debuginfo, desktop, metainfo), each allowed
 * only when the package ships the file it stands for: a package cannot claim another's soname or
 * pkg-config module without installing that file, which rpm refuses while its owner is installed.
 */
function generatedProvideAllowed(name: string, own: string, files: readonly string[]): boolean {
  const ships = (test: (file: string) => boolean) => files.some(test);
  if (name === own || name === `config(${own})` || new RegExp(`^${escapeRegex(own)}\\([a-z0-9_-]+\\)$`).test(name)) return true;
  if (/^debuginfo\(build-id\)$/.test(name)) return true;
  const soname = /^([^()\s/]+\.so(?:\.[^()\s/]+)*)(?:\([^()\s]*\))?(?:\(64bit\))?$/.exec(name);
  if (soname) return ships((file) => path.basename(file) === soname[1] && /\/lib(?:64|32|x32)?(?:\/|$)/.test(path.dirname(file) + '/'));
  const pkgconfig = /^pkgconfig\(([^()\s]+)\)$/.exec(name);
  if (pkgconfig) return ships((file) => file.endsWith(`/pkgconfig/${pkgconfig[1]}.pc`));
  const cmake = /^cmake\(([^()\s]+)\)$/.exec(name);
  if (cmake) return ships((file) => file.toLowerCase().includes(`/cmake/${cmake[1]!.toLowerCase()}/`));
  const desktop = /^(application|metainfo)\(([^()\s]*)\)$/.exec(name);
  if (desktop) return ships((file) => (desktop[2] === '' ? file.includes(`/${desktop[1] === 'application' ? 'applications' : 'metainfo'}/`) : path.basename(file) === desktop[2]));
  return false;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function plannedEvr(version: string): { epoch: string; versionRelease: string } {
  const match = /^(?:(\d+):)?(.*)$/.exec(version)!;
  return { epoch: match[1] ?? '0', versionRelease: match[2]! };
}

export function checkRpmFields(policy: ArtifactPolicy, file: string, kind: 'rpm' | 'srpm', fields: Record<string, string>): ArtifactProblem[] {
  const problems: ArtifactProblem[] = [];
  const problem = (where: string, message: string) => problems.push({ file, field: where, message });
  const name = fields.NAME ?? '';
  if (kind === 'srpm' ? name !== policy.source : !declaresBinary(policy, name)) {
    problem('Name', `${JSON.stringify(name)} is not a package the recipe declares for ${policy.targetId} (${allowed(kind === 'srpm' ? [policy.source] : [...policy.packages, ...policy.debugPackages])})`);
  }
  const planned = plannedEvr(policy.version);
  const evr = `${fields.VERSION ?? ''}-${fields.RELEASE ?? ''}`;
  if (evr !== planned.versionRelease || (fields.EPOCHNUM || '0') !== planned.epoch) {
    problem('Version-Release', `${JSON.stringify(`${fields.EPOCHNUM && fields.EPOCHNUM !== '0' ? `${fields.EPOCHNUM}:` : ''}${evr}`)} is not the planned version ${policy.version}`);
  }
  if (kind === 'srpm') return problems;
  if (!policy.architectures.includes(fields.ARCH ?? '')) problem('Arch', `${JSON.stringify(fields.ARCH ?? '')} is not one of ${allowed(policy.architectures)}`);
  const sourceRpm = `${policy.source}-${planned.versionRelease}.src.rpm`;
  if (fields.SOURCERPM !== sourceRpm) problem('SourceRPM', `${JSON.stringify(fields.SOURCERPM ?? '')} is not ${sourceRpm}`);
  const files = lines(fields.FILENAMES);
  const foreignProvides = lines(fields.PROVIDENEVRS)
    .map(relationName)
    .filter((provided) => !policy.relations.includes(provided) && !generatedProvideAllowed(provided, name, files));
  if (foreignProvides.length > 0) problem('Provides', `names ${allowed(foreignProvides)}, which the recipe does not declare and the package does not ship`);
  for (const [tag, field] of [['OBSOLETENEVRS', 'Obsoletes'], ['CONFLICTNEVRS', 'Conflicts'], ['SUPPLEMENTNEVRS', 'Supplements']] as const) {
    const foreign = lines(fields[tag]).map(relationName).filter((other) => !policy.relations.includes(other));
    if (foreign.length > 0) problem(field, `names ${allowed(foreign)}, which the recipe does not declare`);
  }
  return problems;
}
