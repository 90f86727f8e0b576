import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkArtifacts, type ArtifactPolicy } from '../../src/build/artifact-policy.js';
import { parseControlFields } from '../../src/build/artifacts.js';
import { verifyWorkerArtifacts } from '../../src/farm/coordinator/verify-artifacts.js';
import { classifyFailure, evidenceOf } from '../../src/pipeline/failure-class.js';
import { WorkerFaultError } from '../../src/pipeline/job-lost.js';
import type { BuildArtifact } from '../../src/types.js';

/**
 * Case 58: what a farm worker reports of its artifacts is only its word. A real .deb made by
 * dpkg-deb is `bash` with Essential: yes, uploaded under hello's name; the worker's result says it is
 * hello. The coordinator reads the file itself: the report is refused naming the worker and the
 * file, and even an honest report of that file leaves the policy with bash's own fields.
 */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'freshet-case58-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const VERSION = '2.12-1';
const policy: ArtifactPolicy = {
  recipe: 'hello',
  family: 'deb',
  targetId: 'debian-12',
  source: 'hello',
  version: VERSION,
  packages: ['hello'],
  debugPackages: ['hello-dbgsym'],
  architectures: ['amd64'],
  relations: ['hello', 'hello-dbgsym'],
};

/** What a worker uploaded: a real package built from `control`, under `name` in the build's output folder. */
function uploadedDeb(name: string, control: string): BuildArtifact & { name: string } {
  const tree = path.join(scratch, `tree-${name}`);
  mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  writeFileSync(path.join(tree, 'DEBIAN', 'control'), control);
  const file = path.join(scratch, 'output', name);
  mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', tree, file], { stdio: 'ignore' });
  const bytes = readFileSync(file);
  return { name, file, kind: 'deb', size: statSync(file).size, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const BASH_CONTROL = `Package: bash\nVersion: ${VERSION}\nArchitecture: amd64\nEssential: yes\nMaintainer: nobody <nobody@example.org>\nDescription: not bash\n`;
const HELLO_FIELDS = { Package: 'hello', Version: VERSION, Architecture: 'amd64', Maintainer: 'nobody <nobody@example.org>', Description: 'hello' };
const origin = { family: 'deb' as const, recipe: 'hello', packageVersion: VERSION, worker: 'w-lying' };

describe('farm: the coordinator reads the artifacts itself', () => {
  it('case 58: a worker reporting Package: hello for a .deb that is bash with Essential: yes is refused, naming the worker and the file', async () => {
    const { name, ...deb } = uploadedDeb(`hello_${VERSION}_amd64.deb`, BASH_CONTROL);
    const reported: BuildArtifact = { ...deb, fields: HELLO_FIELDS, sharedLibrary: {} };
    // The worker's word alone would pass the policy: that is what the coordinator must not trust.
    expect(checkArtifacts(policy, [reported])).toEqual([]);

    const refused = await verifyWorkerArtifacts(origin, [reported]).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkerFaultError);
    const message = (refused as Error).message;
    expect(message).toContain('worker w-lying');
    expect(message).toContain(`${name}: the reported control fields are not the file's`);
    expect(message).toContain(`${name}: Package is bash`);
    expect(classifyFailure(evidenceOf('build', refused, message))).toEqual({ class: 'infrastructure', reason: 'the worker returned a result its files contradict' });
  });

  it("case 58: an honest report of that file gives the policy the file's own fields, and the policy refuses bash", async () => {
    const { name, ...deb } = uploadedDeb(`bash_${VERSION}_amd64.deb`, BASH_CONTROL);
    const fields = parseControlFields(BASH_CONTROL);
    const verified = await verifyWorkerArtifacts(origin, [{ ...deb, fields, sharedLibrary: {} }]);
    expect(verified[0]!.fields).toMatchObject({ Package: 'bash', Essential: 'yes' });
    const problems = checkArtifacts(policy, verified);
    expect(problems.map((problem) => `${problem.file}: ${problem.field}`)).toEqual(expect.arrayContaining([`${name}: Package`, `${name}: Essential`]));
  });
});
