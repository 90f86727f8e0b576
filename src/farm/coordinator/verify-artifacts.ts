import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { RPM_LIST_TAGS } from '../../build/artifact-policy.js';
import { checkBinaryFields, classifyArtifact, fileVersion, parseControlFields, upstreamOf } from '../../build/artifacts.js';
import { rpmFields } from '../../build/rpm.js';
import { WorkerFaultError } from '../../pipeline/job-lost.js';
import { readDebControl, readDebControlFiles } from '../../publish/apt/deb-file.js';
import type { BuildArtifact, Family } from '../../types.js';

/** What the coordinator needs of a build job to read its artifacts: the file names follow from them. */
export interface ArtifactOrigin {
  family: Family;
  recipe: string;
  packageVersion: string;
  worker: string;
}

/** The kind a file's name gives it, as the collectors on the build machine classify it (src/build/debian.ts, rpm.ts). */
function kindOf(origin: ArtifactOrigin, name: string): BuildArtifact['kind'] | undefined {
  if (origin.family === 'rpm') return name.endsWith('.src.rpm') ? 'srpm' : name.endsWith('.rpm') ? 'rpm' : undefined;
  return classifyArtifact(name, { source: origin.recipe, version: fileVersion(origin.packageVersion), upstreamVersion: upstreamOf(origin.packageVersion) });
}

/** A file's fields (and a .deb's shared-library files) read with the readers the in-process collectors use; problems with its name. */
async function readFromFile(kind: BuildArtifact['kind'], file: string, problems: string[]): Promise<Pick<BuildArtifact, 'fields' | 'sharedLibrary'>> {
  const name = path.basename(file);
  switch (kind) {
    case 'deb':
    case 'udeb': {
      const fields = parseControlFields(await readDebControl(file));
      problems.push(...checkBinaryFields(name, fields));
      if (kind === 'udeb') return { fields };
      const shared = await readDebControlFiles(file, ['shlibs', 'symbols']);
      return { fields, sharedLibrary: { shlibs: shared.get('shlibs'), symbols: shared.get('symbols') } };
    }
    case 'dsc':
      return { fields: parseControlFields(readFileSync(file, 'utf8')) };
    case 'rpm':
    case 'srpm': {
      const fields = await rpmFields(file, RPM_LIST_TAGS);
      const expected = `${fields.NAME}-${fields.VERSION}-${fields.RELEASE}.${kind === 'srpm' ? 'src' : fields.ARCH}.rpm`;
      if (name !== expected) problems.push(`${name}: header says ${expected}`);
      return { fields };
    }
    default:
      return {};
  }
}

/** JSON drops undefined members on the way from the worker: compare as JSON does. */
const asJson = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

/**
 * A worker is untrusted: its result's kinds and fields are only its word. Each artifact (already
 * hash-checked against its upload and copied to the coordinator) is classified by its name and read
 * again here, and the artifact policy sees only what the files say. A report that differs from its
 * file comes from a broken or lying worker: the job fails naming the worker and the file
 * (WorkerFaultError, an infrastructure failure: the package is not at fault).
 */
export async function verifyWorkerArtifacts(origin: ArtifactOrigin, reported: readonly BuildArtifact[]): Promise<BuildArtifact[]> {
  const verified: BuildArtifact[] = [];
  const mismatches: string[] = [];
  const problems: string[] = [];
  for (const artifact of reported) {
    const name = path.basename(artifact.file);
    const kind = kindOf(origin, name);
    if (!kind) {
      problems.push(`${name}: not a file a ${origin.family} build of ${origin.recipe} ${origin.packageVersion} makes`);
      continue;
    }
    const read = await readFromFile(kind, artifact.file, problems);
    if (kind !== artifact.kind) mismatches.push(`${name}: reported as ${artifact.kind}, the file is a ${kind}`);
    if (!isDeepStrictEqual(asJson(read.fields), asJson(artifact.fields))) mismatches.push(`${name}: the reported control fields are not the file's`);
    if (!isDeepStrictEqual(asJson(read.sharedLibrary), asJson(artifact.sharedLibrary))) mismatches.push(`${name}: the reported shlibs/symbols are not the file's`);
    verified.push({ file: artifact.file, kind, size: artifact.size, sha256: artifact.sha256, ...read });
  }
  const wrong = [...mismatches, ...problems];
  if (wrong.length > 0) throw new WorkerFaultError(`worker ${origin.worker} returned a result its files contradict, nothing was staged: ${wrong.join('; ')}`);
  return verified;
}
