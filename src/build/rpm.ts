import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { capture } from '../core/exec.js';
import { log } from '../core/log.js';
import { MANIFEST_FILE, type RpmManifest } from '../generate/rpm/index.js';
import type { BuildArtifact, BuildJob, BuildResult, LintReport } from '../types.js';
import { RPM_LIST_TAGS } from './artifact-policy.js';
import { buildFailure, prepareBuild, readPhaseTimings, runBuildContainer, type BuildRunOptions } from './container-build.js';
import { BuildFolder, fileProblem, takeArtifacts } from './output-folder.js';
import { lintLogFields } from './lint-report.js';
import { parseRpmlint } from './rpmlint.js';

/**
 * Build an SRPM and its binary RPMs with `rpmbuild -ba` in a container of the target's deps image:
 * no network, no capabilities, as the unprivileged `builder`, with memory, process and time
 * limits. The spec is only ever parsed by rpm inside that container. What the build leaves in
 * RPMS/ and SRPMS/ is checked by name, type and header before it is moved beside build.log.
 */
export interface RpmBuildOptions extends BuildRunOptions {
  /** RPM-on-Debian targets: BuildRequires name Fedora packages, so rpmbuild runs with --nodeps. */
  nodeps: boolean;
}

const LINT_FILE = 'freshet-rpmlint.txt';
const MAX_LINT_BYTES = 4 * 1024 * 1024;

// Fixed text; the spec's path arrives as "$1" and the dependency mode as "$2".
const BUILD_SCRIPT = `set -eu
# One stream: the log keeps the build's own order (stdout and stderr merged outside can split lines).
exec 2>&1
phase() { echo "freshet-phase $1 $(date +%s%3N)"; }
cd /build
phase build-start
if [ "$2" = nodeps ]; then
  rpmbuild -ba --nodeps --define "_topdir /build" "$1"
else
  rpmbuild -ba --define "_topdir /build" "$1"
fi
phase build-end
phase lint-start
status=0
set -- "$1" RPMS/*/*.rpm SRPMS/*.rpm
# A target may add settings (filters, each with its reason) in /etc/freshet/rpmlint.toml.
if [ -f /etc/freshet/rpmlint.toml ]; then set -- -c /etc/freshet/rpmlint.toml "$@"; fi
rpmlint "$@" > ${LINT_FILE} 2>&1 || status=$?
echo "freshet: rpmlint exited with $status"
phase lint-end
`;

const Manifest = z.object({
  name: z.string(),
  epoch: z.string().optional(),
  version: z.string(),
  release: z.string(),
  spec: z.string().regex(/^SPECS\/[A-Za-z0-9._+-]+\.spec$/),
  packages: z.array(z.string()).min(1),
  buildRequires: z.array(z.string()),
});

export function readManifest(sourceDir: string): RpmManifest {
  const file = path.join(sourceDir, MANIFEST_FILE);
  if (!existsSync(file)) throw new UserError(`${sourceDir}: no ${MANIFEST_FILE}; generate the RPM source first`);
  return Manifest.parse(JSON.parse(readFileSync(file, 'utf8'))) as RpmManifest;
}

/** Header fields of a built package; reading a package header on the host runs no spec code. */
const QUERY = ['NAME', 'EPOCHNUM', 'VERSION', 'RELEASE', 'ARCH', 'SOURCERPM', 'SUMMARY'];

export async function rpmFields(file: string, lists: readonly string[] = []): Promise<Record<string, string>> {
  return (await rpmFieldsOf([file], lists))[0]!;
}

// Separates the values of a multi-valued tag; stored joined with newlines.
const LIST_SEPARATOR = '\u001f';

/** Header fields of many packages, one rpm call per 500 files (a line each, in order); `lists` are multi-valued tags. */
export async function rpmFieldsOf(files: readonly string[], lists: readonly string[] = []): Promise<Array<Record<string, string>>> {
  const tags = [...QUERY, ...lists];
  const format = `${[...QUERY.map((tag) => `%{${tag}}`), ...lists.map((tag) => `[%{${tag}}${LIST_SEPARATOR}]`)].join('\\t')}\\n`;
  const out: Array<Record<string, string>> = [];
  for (let start = 0; start < files.length; start += 500) {
    const batch = files.slice(start, start + 500);
    const text = await capture('rpm', ['-qp', '--nosignature', '--nodigest', '--queryformat', format, ...batch], { env: { LC_ALL: 'C.UTF-8' } });
    const lines = text.split('\n');
    if (lines.length !== batch.length) throw new UserError(`rpm -qp returned ${lines.length} headers for ${batch.length} files`);
    for (const line of lines) {
      const values = line.split('\t');
      // A tab inside a value (a file name) would shift the fields after it.
      if (lists.length > 0 && values.length !== tags.length) throw new UserError(`rpm -qp: a header value holds a tab or a newline (${batch.join(', ')})`);
      out.push(Object.fromEntries(tags.map((tag, index) => [tag, (values[index] ?? '').split(LIST_SEPARATOR).filter(Boolean).join('\n')])));
    }
  }
  return out;
}

const binaryName = /^([A-Za-z0-9][A-Za-z0-9._+-]*)-([A-Za-z0-9._+~^]+)-([A-Za-z0-9._+~^]+)\.([a-z0-9_]+)\.rpm$/;

/** Problems with a built RPM: its name against its header, and both against the spec. */
export function checkRpm(name: string, kind: 'rpm' | 'srpm', fields: Record<string, string>, manifest: RpmManifest): string[] {
  const problems: string[] = [];
  const expectedFile = `${fields.NAME}-${fields.VERSION}-${fields.RELEASE}.${kind === 'srpm' ? 'src' : fields.ARCH}.rpm`;
  if (name !== expectedFile) problems.push(`${name}: header says ${expectedFile}`);
  if (fields.VERSION !== manifest.version || fields.RELEASE !== manifest.release) {
    problems.push(`${name}: version ${fields.VERSION}-${fields.RELEASE}, the spec declares ${manifest.version}-${manifest.release}`);
  }
  if ((fields.EPOCHNUM ?? '0') !== (manifest.epoch ?? '0')) problems.push(`${name}: epoch ${fields.EPOCHNUM}, expected ${manifest.epoch ?? 0}`);
  const allowed = kind === 'srpm' ? [manifest.name] : manifest.packages.flatMap((pkg) => [pkg, `${pkg}-debuginfo`]).concat(`${manifest.name}-debugsource`);
  if (!allowed.includes(fields.NAME ?? '')) problems.push(`${name}: package ${fields.NAME} is not declared by the spec`);
  return problems;
}


interface Found {
  folder: BuildFolder;
  name: string;
  kind: 'rpm' | 'srpm';
}

/** Every file under RPMS/<arch>/ and SRPMS/, refusing links (RPMS and SRPMS too), folders and unexpected names. */
function listOutput(build: BuildFolder, problems: string[]): Found[] {
  const found: Found[] = [];
  const take = (folder: BuildFolder, name: string, kind: Found['kind'], expected: boolean) => {
    const problem = expected ? fileProblem(folder.labelOf(name), folder.stat(name)) : `unexpected ${folder.labelOf(name)}`;
    if (problem) problems.push(problem);
    else found.push({ folder, name, kind });
  };
  const srpms = build.childFolder('SRPMS', problems);
  for (const name of srpms?.names() ?? []) take(srpms!, name, 'srpm', name.endsWith('.src.rpm') && binaryName.test(name));
  const rpms = build.childFolder('RPMS', problems);
  for (const arch of rpms?.names() ?? []) {
    if (!/^[a-z0-9_]+$/.test(arch) || arch === 'src') {
      problems.push(`unexpected RPMS/${arch}`);
      continue;
    }
    const dir = rpms!.childFolder(arch, problems);
    for (const name of dir?.names() ?? []) take(dir!, name, 'rpm', binaryName.exec(name)?.[4] === arch);
  }
  return found;
}

/** Check what the build left in workDir and move it into outputDir; nothing is moved when anything is wrong. */
export async function collectRpmOutput(workDir: string, outputDir: string, manifest: RpmManifest): Promise<{ artifacts: BuildArtifact[]; lint: LintReport | undefined }> {
  const build = BuildFolder.open(workDir);
  try {
    const problems: string[] = [];
    const found = listOutput(build, problems);
    if (!found.some((item) => item.kind === 'rpm')) problems.push('no binary RPM was built');
    if (found.filter((item) => item.kind === 'srpm').length !== 1) problems.push('expected exactly one source RPM');
    const names = new Set<string>();
    for (const item of found) {
      if (names.has(item.name)) problems.push(`${item.name} was built twice`);
      names.add(item.name);
    }
    if (problems.length > 0) throw new UserError(`build output rejected: ${problems.join('; ')}`);
    const artifacts = await takeArtifacts(outputDir, found, async (copy, kind, problems) => {
      const fields = await rpmFields(copy.file, RPM_LIST_TAGS);
      problems.push(...checkRpm(copy.name, kind, fields, manifest));
      return fields;
    });
    const lintText = build.readSmall(LINT_FILE, MAX_LINT_BYTES);
    if (lintText !== undefined) writeFileSync(path.join(outputDir, 'rpmlint.txt'), lintText);
    const lint = lintText === undefined ? undefined : parseRpmlint(lintText);
    return { artifacts: artifacts.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)), lint };
  } finally {
    build.close();
  }
}


export async function runRpmBuild(job: BuildJob, options: RpmBuildOptions): Promise<BuildResult> {
  const manifest = readManifest(job.sourceDir);
  const evr = `${manifest.epoch ? `${manifest.epoch}:` : ''}${manifest.version}-${manifest.release}`;
  if (evr !== job.packageVersion) throw new UserError(`${job.recipe}: the spec declares ${evr}, the job builds ${job.packageVersion}`);
  const prepared = prepareBuild(job, options);
  try {
    const command = ['sh', '-c', BUILD_SCRIPT, 'sh', manifest.spec, options.nodeps ? 'nodeps' : 'deps'];
    await runBuildContainer(job, prepared, options, command, { RPM_BUILD_NCPUS: String(prepared.cpus) });
    const collected = await collectRpmOutput(prepared.workDir, job.outputDir, manifest);
    rmSync(prepared.workDir, { recursive: true, force: true });
    log.info('build done', { recipe: job.recipe, target: job.target.id, ...readPhaseTimings(prepared.logFile), ...lintLogFields(collected.lint) });
    return prepared.result({ status: 'ok', artifacts: collected.artifacts, lint: collected.lint });
  } catch (error) {
    return buildFailure(job, prepared, error, options.signal);
  }
}
