import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { packageName } from '../../recipe/fields.js';
import { createTemplateEngine, type TemplateEngine } from '../handlebars.js';
import { plainData } from '../plain-data.js';
import { minimalSigningKey } from './signing-key.js';
import { debianView, type DebianViewInput } from './view.js';

/** One file of debian/, relative to the source tree (`debian/control`), with its bytes and mode. */
export interface RenderedFile {
  path: string;
  content: Buffer;
  mode: number;
}

export interface RenderDebianInput extends DebianViewInput {
  /** The recipe's folder of patches and keys (recipes/<name>/). */
  recipeFilesDir: string;
}

/** Names become file names (`debian/<package>.install`, `<source>_<version>.dsc`): check them here too. */
function checkNames(input: RenderDebianInput): void {
  const named: Array<[string, string]> = [
    ['name', input.recipe.name],
    ...input.recipe.packages.map((pkg, index): [string, string] => [`packages[${index}].name`, pkg.name]),
  ];
  for (const [field, value] of named) {
    if (!packageName.safeParse(value).success) throw new ConfigError(`${input.recipe.name}: ${field}: "${value}" is not a Debian package name`);
  }
}

let defaultEngine: TemplateEngine | undefined;

function readRecipeFile(filesDir: string, relative: string, field: string): Buffer {
  if (path.isAbsolute(relative) || relative.split('/').includes('..')) {
    throw new ConfigError(`${field}: "${relative}" must be a relative path inside the recipe folder`);
  }
  try {
    return readFileSync(path.join(filesDir, relative));
  } catch (error) {
    throw new ConfigError(`${field}: cannot read ${relative}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/**
 * Render debian/ for one recipe and target: pure apart from reading the recipe's own files, so
 * the same input gives the same bytes whatever the folder, time zone or locale.
 */
export async function renderDebianFiles(input: RenderDebianInput, engine: TemplateEngine = (defaultEngine ??= createTemplateEngine())): Promise<RenderedFile[]> {
  checkNames(input);
  // The recipe is checked whole, so no prototype key hides in a part the view does not copy.
  const recipe = plainData(input.recipe, input.recipe.name);
  const view = plainData(debianView({ ...input, recipe }), recipe.name);
  const text = (name: string, data: object = view) => Buffer.from(engine.render(name, data), 'utf8');
  const files: RenderedFile[] = [
    { path: 'debian/changelog', content: text('debian/changelog'), mode: 0o644 },
    { path: 'debian/control', content: text('debian/control'), mode: 0o644 },
    { path: 'debian/copyright', content: text('debian/copyright'), mode: 0o644 },
    { path: 'debian/rules', content: text('debian/rules'), mode: 0o755 },
    { path: 'debian/source/format', content: text('debian/source/format'), mode: 0o644 },
    { path: 'debian/watch', content: text('debian/watch'), mode: 0o644 },
  ];
  if (view.tests.length > 0) files.push({ path: 'debian/tests/control', content: text('debian/tests/control'), mode: 0o644 });
  for (const pkg of view.packages) {
    if (pkg.install.length > 0) files.push({ path: `debian/${pkg.name}.install`, content: text('debian/install', pkg), mode: 0o644 });
  }
  const { recipeFilesDir } = input;
  if (recipe.patches.length > 0) {
    const series = recipe.patches.map((patch) => `${patch}\n`).join('');
    files.push({ path: 'debian/patches/series', content: Buffer.from(series, 'utf8'), mode: 0o644 });
    for (const [index, patch] of recipe.patches.entries()) {
      files.push({ path: `debian/patches/${patch}`, content: readRecipeFile(recipeFilesDir, patch, `patches[${index}]`), mode: 0o644 });
    }
  }
  // The key goes with the signature shipped beside the orig tarball: dpkg-source and lintian check one with the other.
  const signature = recipe.upstream.signature;
  if (signature) files.push({ path: 'debian/upstream/signing-key.asc', content: await minimalSigningKey(recipeFilesDir, signature.key), mode: 0o644 });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
