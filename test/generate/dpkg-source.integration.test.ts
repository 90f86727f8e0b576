import { lstatSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { armorSignature } from '../../src/fetch/armor.js';
import { generateDebianSource, listDebianFiles, type GenerateDebianInput } from '../../src/generate/deb/index.js';
import { readFileSet } from '../../src/generate/generations.js';
import { CASES, FIXED_DATE, renderInput, type GoldenCase } from './deb/cases.js';
import { fixtureTarball, helloSignature, helloTarball } from './upstream-tarballs.js';

/** Every generated source package must build with dpkg-source and pass lintian without errors. */
const tarballs = new Map<string, string>();
const scratch = mkdtempSync(path.join(tmpdir(), 'freshet-dpkg-source-'));

const signatures = new Map<string, string>();

beforeAll(async () => {
  tarballs.set('hello', await helloTarball());
  // GNU ships binary .sig files: dearmor Debian's copy and let the fetch stage's armoring redo it.
  const binary = path.join(scratch, 'hello-2.12.3.tar.gz.sig');
  writeFileSync(`${binary}.in`, await helloSignature());
  await run('gpg', ['--batch', '--yes', '--dearmor', '--output', binary, `${binary}.in`], { env: { GNUPGHOME: scratch } });
  writeFileSync(`${binary}.asc`, await armorSignature('hello', 'hello-2.12.3.tar.gz', readFileSync(binary)));
  signatures.set('hello', `${binary}.asc`);
  tarballs.set('libfoo', await fixtureTarball('libfoo-1.4.0', 'tar.gz', path.join(scratch, 'upstream')));
  tarballs.set('mesontool', await fixtureTarball('mesontool-0.3.1', 'tar.xz', path.join(scratch, 'upstream')));
});

function generateInput(testCase: GoldenCase, outDir: string): GenerateDebianInput {
  const { recipeFilesDir, ...rest } = renderInput(testCase);
  return { ...rest, recipeFilesDir, tarball: tarballs.get(testCase.recipe)!, upstreamSignature: signatures.get(testCase.recipe), outDir };
}

describe.each(CASES)('$recipe for $target.id', (testCase) => {
  it('builds with dpkg-source -b and passes lintian without errors', async () => {
    const outDir = path.join(scratch, testCase.recipe);
    const generated = await generateDebianSource(generateInput(testCase, outDir));
    expect(path.basename(generated.sourceDir)).toBe(`${testCase.recipe}-${testCase.upstreamVersion}`);
    // One timestamp for the whole tree (the changelog date): make sees no upstream file as stale.
    const times = new Set([...readFileSet(generated.sourceDir).keys()].map((name) => lstatSync(path.join(generated.sourceDir, name)).mtimeMs));
    expect([...times]).toEqual([Date.parse(FIXED_DATE)]);
    const built = await run('dpkg-source', ['-b', path.basename(generated.sourceDir)], { cwd: outDir });
    const dsc = readdirSync(outDir).filter((name) => name.endsWith('.dsc'));
    expect(dsc).toEqual([`${testCase.recipe}_${renderInput(testCase).packageVersion}.dsc`]);
    const dscText = readFileSync(path.join(outDir, dsc[0]!), 'utf8');
    const signatureName = `${testCase.recipe}_${testCase.upstreamVersion}.orig.tar.gz.asc`;
    if (signatures.has(testCase.recipe)) {
      // Listed in Files and both Checksums fields, and checked by dpkg-source against debian/upstream/signing-key.asc.
      expect(dscText.split('\n').filter((line) => line.endsWith(` ${signatureName}`))).toHaveLength(3);
      expect(built.stdout).toContain(`verifying ./${signatureName}`);
      expect(`${built.stdout}${built.stderr}`).not.toMatch(/warning/);
    } else {
      expect(dscText).not.toContain('.asc');
    }
    const lintian = await run('lintian', ['--no-cfg', '--display-info', '--pedantic', path.join(outDir, dsc[0]!)], {
      allowFailure: true,
    });
    const report = `${lintian.stdout}${lintian.stderr}`;
    process.stdout.write(`lintian ${testCase.recipe}:\n${report}\n`);
    expect(report.split('\n').filter((line) => line.startsWith('E: '))).toEqual([]);
    expect(report).not.toMatch(/orig-tarball-missing-upstream-signature|public-upstream-key|upstream-signature/);
    expect(lintian.exitCode, report).toBe(0); // lintian fails on errors by default, and when it cannot run.
    // dpkg-source extracts what it built: the patches apply and debian/ comes back whole.
    const extracted = path.join(scratch, `${testCase.recipe}-extracted`);
    await run('dpkg-source', ['-x', path.join(outDir, dsc[0]!), extracted]);
    expect(listDebianFiles(extracted).filter((name) => !name.startsWith('debian/patches/.'))).toEqual(listDebianFiles(generated.sourceDir));
  });

  it('case 16: writes the same debian/ bytes in another folder, time zone and locale', async () => {
    const saved = { TZ: process.env.TZ, LANG: process.env.LANG, LC_ALL: process.env.LC_ALL };
    try {
      Object.assign(process.env, { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' });
      const first = await generateDebianSource(generateInput(testCase, path.join(scratch, 'one', testCase.recipe)));
      Object.assign(process.env, { TZ: 'Asia/Kolkata', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' });
      const second = await generateDebianSource(generateInput(testCase, path.join(scratch, 'two', 'deeper', testCase.recipe)));
      expect(second.files).toEqual(first.files);
      const bytes = (dir: string) => [...readFileSet(dir)].map(([name, content]) => [name, content.toString('base64')]);
      expect(bytes(second.sourceDir)).toEqual(bytes(first.sourceDir));
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
