import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { log } from '../core/log.js';
import { readDebControl, readDebControlFiles } from '../publish/apt/deb-file.js';
import type { BuildArtifact, BuildJob, BuildResult, LintReport } from '../types.js';
import { checkBinaryFields, classifyArtifact, fileVersion, parseControlFields, upstreamOf, type SourceIdentity } from './artifacts.js';
import { buildFailure, prepareBuild, readPhaseTimings, runBuildContainer, type BuildRunOptions } from './container-build.js';
import { lintLogFields } from './lint-report.js';
import { parseLintian } from './lintian.js';
import { BuildFolder, fileProblem, takeArtifacts } from './output-folder.js';

/**
 * Build a Debian source package in a container of its deps image: no network, no capabilities,
 * as the unprivileged `builder` user, with memory, process and time limits. Only one folder is
 * mounted: a scratch copy of the source under the job's output folder. What the build leaves
 * there is checked by name and type before it is moved beside build.log.
 */
export type DebBuildOptions = BuildRunOptions;

const LINT_FILE = 'freshet-lintian.txt';
const MAX_LINT_BYTES = 4 * 1024 * 1024;

// Fixed text; the one variable part, the tree's folder name, arrives as "$1".
const BUILD_SCRIPT = `set -eu
# One stream: the log keeps the build's own order (stdout and stderr merged outside can split lines).
exec 2>&1
phase() { echo "freshet-phase $1 $(date +%s%3N)"; }
cd "/build/$1"
phase build-start
dpkg-buildpackage -us -uc -F
phase build-end
cd /build
phase lint-start
status=0
lintian --no-tag-display-limit ./*.changes > ${LINT_FILE} 2>&1 || status=$?
echo "freshet: lintian exited with $status"
phase lint-end
`;

export interface SourceTree {
  dir: string;
  identity: SourceIdentity;
}

/** The one folder of sourceDir holding debian/changelog, and the name and version it declares. */
export function findSourceTree(sourceDir: string): SourceTree {
  const trees = readdirSync(sourceDir, { withFileTypes: true }).filter(
    (entry) => entry.isDirectory() && existsSync(path.join(sourceDir, entry.name, 'debian', 'changelog')),
  );
  if (trees.length !== 1) {
    throw new UserError(`${sourceDir}: expected one unpacked source tree with debian/changelog, found ${trees.length}`);
  }
  const dir = trees[0]!.name;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+~-]*$/.test(dir)) throw new UserError(`${sourceDir}: unexpected source tree name ${JSON.stringify(dir)}`);
  const first = readFileSync(path.join(sourceDir, dir, 'debian', 'changelog'), 'utf8').split('\n', 1)[0] ?? '';
  const match = /^([a-z0-9][a-z0-9+.-]+) \(([A-Za-z0-9.+~:-]+)\) /.exec(first);
  if (!match) throw new UserError(`${path.join(sourceDir, dir, 'debian/changelog')}: first line is not a changelog entry: ${first}`);
  const version = match[2]!;
  return { dir, identity: { source: match[1]!, version: fileVersion(version), upstreamVersion: upstreamOf(version) } };
}


interface Collected {
  artifacts: BuildArtifact[];
  lint: LintReport | undefined;
}

/** Check what the build left in workDir and move it into outputDir; nothing is moved when anything is wrong. */
export async function collectDebOutput(workDir: string, outputDir: string, tree: SourceTree): Promise<Collected> {
  const build = BuildFolder.open(workDir);
  try {
    const problems: string[] = [];
    const found: Array<{ folder: BuildFolder; name: string; kind: BuildArtifact['kind'] }> = [];
    let lint: LintReport | undefined;
    let lintText: string | undefined;
    for (const name of build.names()) {
      const stat = build.stat(name);
      if (name === tree.dir && stat?.isDirectory()) continue;
      if (name === LINT_FILE && stat?.isFile() && stat.size <= MAX_LINT_BYTES) {
        const text = build.readSmall(name, MAX_LINT_BYTES);
        if (text !== undefined) {
          lint = parseLintian(text);
          lintText = text;
          continue;
        }
      }
      const kind = classifyArtifact(name, tree.identity);
      const problem = kind ? fileProblem(name, stat) : `unexpected file ${JSON.stringify(name)}`;
      if (problem) problems.push(problem);
      else found.push({ folder: build, name, kind: kind! });
    }
    if (!found.some((file) => file.kind === 'deb')) problems.push('no binary package was built');
    if (!found.some((file) => file.kind === 'changes')) problems.push('no .changes file was written');
    if (problems.length > 0) throw new UserError(`build output rejected: ${problems.join('; ')}`);
    const artifacts = await takeArtifacts(outputDir, found, async (copy, kind, problems) => {
      if (kind === 'deb' || kind === 'udeb') {
        // Read in-process with capped decompression: `dpkg-deb --field` unpacks the control archive to the host's temp folder.
        const fields = parseControlFields(await readDebControl(copy.file));
        problems.push(...checkBinaryFields(copy.name, fields));
        return fields;
      }
      return kind === 'dsc' ? parseControlFields(readFileSync(copy.file, 'utf8')) : undefined;
    });
    // What packages built against its libraries will depend on: a later build of the library is compared with it (src/pipeline/library-interface.ts).
    for (const artifact of artifacts.filter((taken) => taken.kind === 'deb')) {
      const files = await readDebControlFiles(artifact.file, ['shlibs', 'symbols']);
      artifact.sharedLibrary = { shlibs: files.get('shlibs'), symbols: files.get('symbols') };
    }
    // lintian's findings with their files and lines, beside the build log (rpmlint.txt on RPM targets).
    if (lintText !== undefined) writeFileSync(path.join(outputDir, 'lintian.txt'), lintText);
    return { artifacts: artifacts.sort((a, b) => a.file.localeCompare(b.file)), lint };
  } finally {
    build.close();
  }
}


export async function runDebBuild(job: BuildJob, options: DebBuildOptions): Promise<BuildResult> {
  const tree = findSourceTree(job.sourceDir);
  if (tree.identity.version !== fileVersion(job.packageVersion)) {
    throw new UserError(`${job.recipe}: debian/changelog says ${tree.identity.version}, the job builds ${job.packageVersion}`);
  }
  const prepared = prepareBuild(job, options);
  try {
    await runBuildContainer(job, prepared, options, ['sh', '-c', BUILD_SCRIPT, 'sh', tree.dir], { DEB_BUILD_OPTIONS: `parallel=${prepared.cpus}` });
    const collected = await collectDebOutput(prepared.workDir, job.outputDir, tree);
    rmSync(prepared.workDir, { recursive: true, force: true });
    log.info('build done', { recipe: job.recipe, target: job.target.id, ...readPhaseTimings(prepared.logFile), ...lintLogFields(collected.lint) });
    return prepared.result({ status: 'ok', artifacts: collected.artifacts, lint: collected.lint });
  } catch (error) {
    return buildFailure(job, prepared, error, options.signal);
  }
}
