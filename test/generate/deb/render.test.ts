import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderDebianFiles } from '../../../src/generate/deb/render.js';
import { minimalSigningKey } from '../../../src/generate/deb/signing-key.js';
import { CASES, FIXTURES, GOLDEN, renderInput } from './cases.js';

/** Golden files: rewrite deliberately with UPDATE_GOLDEN=1 and review the diff. */
const update = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]))
    .sort();
}

describe('renderDebianFiles golden files', () => {
  it.each(CASES)('$recipe for $target.id matches test/generate/golden', async (testCase) => {
    const files = await renderDebianFiles(renderInput(testCase));
    const goldenDir = path.join(GOLDEN, testCase.recipe, testCase.target.id);
    if (update) {
      rmSync(goldenDir, { recursive: true, force: true });
      for (const file of files) {
        mkdirSync(path.dirname(path.join(goldenDir, file.path)), { recursive: true });
        writeFileSync(path.join(goldenDir, file.path), file.content);
      }
    }
    expect(files.map((file) => file.path)).toEqual(listFiles(goldenDir));
    for (const file of files) {
      expect(file.content.toString('utf8'), file.path).toBe(readFileSync(path.join(goldenDir, file.path), 'utf8'));
      expect(file.content.equals(readFileSync(path.join(goldenDir, file.path))), file.path).toBe(true);
    }
  });

  it('marks debian/rules executable and nothing else', async () => {
    const files = await renderDebianFiles(renderInput(CASES[0]!));
    expect(files.filter((file) => file.mode === 0o755).map((file) => file.path)).toEqual(['debian/rules']);
  });
});

describe('renderDebianFiles determinism', () => {
  const saved = { TZ: process.env.TZ, LANG: process.env.LANG, LC_ALL: process.env.LC_ALL };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it.each(CASES)('case 16: $recipe renders the same bytes under another time zone and locale', async (testCase) => {
    process.env.TZ = 'UTC';
    process.env.LANG = 'C';
    process.env.LC_ALL = 'C';
    const first = await renderDebianFiles(renderInput(testCase));
    process.env.TZ = 'Asia/Kolkata';
    process.env.LANG = 'de_DE.UTF-8';
    process.env.LC_ALL = 'de_DE.UTF-8';
    expect(new Date(0).getTimezoneOffset()).toBe(-330); // The time zone change took effect.
    const second = await renderDebianFiles(renderInput(testCase));
    expect(second.map((file) => [file.path, file.content.toString('base64')])).toEqual(
      first.map((file) => [file.path, file.content.toString('base64')]),
    );
  });
});

describe('debian/changelog history', () => {
  it('puts the new entry above the earlier ones, separated by one empty line', async () => {
    const input = renderInput(CASES[0]!);
    input.changelog = [
      {
        version: '2.12.2-0~deb12+freshet1',
        distribution: 'bookworm',
        changes: ['Upstream release 2.12.2, packaged by freshet for debian-12.'],
        maintainer: 'Freshet Builder <builds@example.org>',
        date: 'Mon, 05 May 2025 08:00:00 +0000',
      },
    ];
    const changelog = (await renderDebianFiles(input)).find((file) => file.path === 'debian/changelog')!.content.toString('utf8');
    expect(changelog).toBe(
      [
        'hello (2.12.3-0~deb12+freshet1) bookworm; urgency=medium',
        '',
        '  * Upstream release 2.12.3, packaged by freshet for debian-12.',
        '',
        ' -- Freshet Builder <builds@example.org>  Sun, 01 Jun 2025 12:00:00 +0000',
        '',
        'hello (2.12.2-0~deb12+freshet1) bookworm; urgency=medium',
        '',
        '  * Upstream release 2.12.2, packaged by freshet for debian-12.',
        '',
        ' -- Freshet Builder <builds@example.org>  Mon, 05 May 2025 08:00:00 +0000',
        '',
      ].join('\n'),
    );
  });
});

describe('debian/watch', () => {
  const watchOf = (files: Awaited<ReturnType<typeof renderDebianFiles>>) => files.find((file) => file.path === 'debian/watch')!.content.toString('utf8');

  it('checks {url}.sig signatures and ships the recipe keys, minimal, as debian/upstream/signing-key.asc', async () => {
    const input = renderInput(CASES[0]!);
    input.recipeFilesDir = FIXTURES;
    input.recipe.upstream = { ...input.recipe.upstream, signature: { url: '{url}.sig', key: 'keys/upstream.asc' } };
    const files = await renderDebianFiles(input);
    expect(watchOf(files)).toBe('version=4\nopts="pgpsigurlmangle=s/$/.sig/" \\\nhttps://ftp.gnu.org/gnu/hello/ hello-(\\d[\\d.]*)\\.tar\\.gz\n');
    const key = files.find((file) => file.path === 'debian/upstream/signing-key.asc')!;
    expect(key.content.equals(await minimalSigningKey(FIXTURES, 'keys/upstream.asc'))).toBe(true);
  });

  it('ships the key for a signed upstream uscan cannot follow, and none for an unsigned one', async () => {
    const input = renderInput(CASES[0]!);
    input.recipeFilesDir = FIXTURES;
    input.recipe.upstream = { kind: 'npm', package: 'left-pad', signature: { url: '{url}.asc', key: 'keys/upstream.asc' } } as typeof input.recipe.upstream;
    expect((await renderDebianFiles(input)).map((file) => file.path)).toContain('debian/upstream/signing-key.asc');
    input.recipe.upstream = { kind: 'npm', package: 'left-pad' } as typeof input.recipe.upstream;
    expect((await renderDebianFiles(input)).map((file) => file.path)).not.toContain('debian/upstream/signing-key.asc');
  });

  it('leaves a comment for upstream kinds uscan cannot follow', async () => {
    const input = renderInput(CASES[0]!);
    input.recipe.upstream = { kind: 'npm', package: 'left-pad' } as typeof input.recipe.upstream;
    expect(watchOf(await renderDebianFiles(input))).toBe("version=4\n# freshet watches this project's npm upstream itself; uscan has no rule here.\n");
  });
});
