import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { loadRecipeFile, resolveRecipe } from '../../src/recipe/load.js';

const hello = readFileSync(path.join(import.meta.dirname, '../../recipes/hello.yaml'), 'utf8');

const recipesDir = path.join(import.meta.dirname, '../../recipes');

/** A recipe file in a fresh folder, with hello's keys beside it as in recipes/. */
function writeRecipe(text: string, name = 'hello'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'freshet-recipe-'));
  cpSync(path.join(recipesDir, 'hello'), path.join(dir, name), { recursive: true });
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

function loadError(text: string, name?: string): string {
  try {
    loadRecipeFile(writeRecipe(text, name));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('recipe was accepted');
}

describe('recipe validation', () => {
  it('accepts the bundled hello recipe', () => {
    const { recipe } = loadRecipeFile(writeRecipe(hello));
    expect(recipe.upstream.kind).toBe('html-index');
  });

  it.each([
    ['an unknown key', hello.replace('build:\n', 'build:\n  bogus: 1\n'), /hello\.yaml: build\.bogus: unknown key/],
    ['a newline in the version pattern', hello.replace(/pattern: .*/, 'pattern: "hello-(\\\\d+)\\n.tar"'), /hello\.yaml: upstream\.pattern: must be one line/],
    ['$(id) in a configure flag', hello.replace('build:\n', 'build:\n  configure: ["--prefix=/usr", "$(id)"]\n'), /hello\.yaml: build\.configure\[1\]: may only contain/],
    ['a backtick in a make flag', hello.replace('build:\n', 'build:\n  make: ["V=`id`"]\n'), /build\.make\[0\]/],
    ['an rpm macro in a flag', hello.replace('build:\n', 'build:\n  configure: ["--with-x=%{_bindir}"]\n'), /build\.configure\[0\]/],
    ['a newline in the summary', hello.replace(/summary: .*/, 'summary: "one\\nDepends: evil"'), /summary: must be one line/],
    ['a leading dash version in pinned hashes', hello.replace('upstream:\n', `upstream:\n  sha256:\n    "-1": ${'a'.repeat(64)}\n`), /upstream\.sha256/],
    ['a numeric YAML scalar where a string belongs', hello.replace('- name: hello', '- name: 1.10'), /packages\[0\]\.name: .*quote it/],
    ['an unknown upstream kind', hello.replace('kind: html-index', 'kind: sourceforge'), /upstream\.kind/],
    ['a name that does not match the file', hello.replace('name: hello', 'name: other'), /name: "other" must match the file name/],
    ['an install path escaping the tree', hello.replace('- name: hello', '- name: hello\n    files: [../etc/passwd]'), /packages\[0\]\.files\[0\]: must not contain \.\./],
  ])('case 2, case 13: refuses %s, naming the file and field', (_, text, message) => {
    expect(loadError(text)).toMatch(message);
  });

  it('accepts quotes, backslashes, ^ and $ in smoke arguments (argv entries, no shell parses them); refuses control characters', () => {
    const smoke = `gate:\n  smoke:\n    - [sh, -c, 'printf "%s\\n" "$1" | grep -q "^a\\\\b"', sh, 'a\\b']\n`;
    const { recipe } = loadRecipeFile(writeRecipe(hello.replace(/gate:\n  smoke:\n/, smoke)));
    expect(recipe.gate?.smoke?.[0]).toEqual(['sh', '-c', 'printf "%s\\n" "$1" | grep -q "^a\\\\b"', 'sh', 'a\\b']);
    expect(loadError(hello.replace('- [hello, --version]', '- [hello, "a\\nb"]'))).toMatch(/hello\.yaml: gate\.smoke\[0\]\[1\]: must not contain NUL, newlines/);
  });

  it('case 13: refuses __proto__ and constructor keys anywhere', () => {
    expect(loadError(`${hello}__proto__:\n  polluted: true\n`)).toMatch(/key "__proto__" is not allowed.*line \d+/);
    expect(loadError(hello.replace('build:\n', 'build:\n  constructor: {}\n'))).toMatch(/key "constructor" is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('case 13: refuses duplicate keys and alias bombs', () => {
    expect(loadError(`${hello}license: MIT\n`)).toMatch(/hello\.yaml: .*(unique|duplicate)/i);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((key, index) => `${key}: &${key} [${Array(10).fill(`*${'abcdefgh'[index]}`).join(', ')}]`)];
    expect(loadError(`${bomb.join('\n')}\n`)).toMatch(/hello\.yaml: .*alias/i);
  });

  it('requires patches and keys named by the recipe to exist beside it', () => {
    const file = writeRecipe(`${hello}patches: [fix-build.patch]\n`);
    expect(() => loadRecipeFile(file)).toThrow(/patches\[0\]: .*hello\/fix-build\.patch does not exist/);
    writeFileSync(path.join(path.dirname(file), 'hello', 'fix-build.patch'), '');
    expect(loadRecipeFile(file).recipe.patches).toEqual(['fix-build.patch']);
  });
});

describe('recipe resolution', () => {
  const text = `${hello.replace('build:\n  system: autotools\n', 'build:\n  system: autotools\n  autoreconf: true\n')}depends:
  build: [ncurses, pkg-config, {deb: libfoo-dev, rpm: foo-devel}, plainname]
overrides:
  rpm:
    depends:
      build: [ncurses]
  targets:
    debian-12:
      build:
        autoreconf: false
    fedora-41:
      skip: needs a newer gettext than Fedora 41 ships
`;

  it('maps dependency names per family and applies family, then target overrides', () => {
    const loaded = loadRecipeFile(writeRecipe(text));
    const deb12 = resolveRecipe(loaded, 'deb', 'debian-12');
    expect(deb12.buildDepends).toEqual(['libncurses-dev', 'pkgconf', 'libfoo-dev', 'plainname']);
    expect(deb12.build.autoreconf).toBe(false);
    const deb13 = resolveRecipe(loaded, 'deb', 'debian-13');
    expect(deb13.build.autoreconf).toBe(true);
    const fedora = resolveRecipe(loaded, 'rpm', 'fedora-41');
    expect(fedora.buildDepends).toEqual(['ncurses-devel']);
    expect(fedora.skip).toMatch(/gettext/);
  });

  it('lets the config override the shared dependency map', () => {
    const loaded = loadRecipeFile(writeRecipe(text));
    const resolved = resolveRecipe(loaded, 'deb', 'debian-12', { ncurses: { deb: 'libncurses5-dev' } });
    expect(resolved.buildDepends[0]).toBe('libncurses5-dev');
  });
});
