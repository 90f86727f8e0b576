import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, UserError } from '../core/errors.js';
import type { HttpClient } from '../net/http.js';
import { chooseRelease, downloadAndUnpack } from './fetch.js';
import { inferRecipe, type Inference } from './infer.js';
import { renderRecipe } from './render.js';
import { openTree } from './tree.js';
import { guessUpstream } from './upstream.js';

export interface NewRecipeOptions {
  http: HttpClient;
  url: string;
  name?: string;
  /** The recipes folder to write into. */
  outDir: string;
  force?: boolean;
}

export interface NewRecipeResult {
  file: string;
  tarballUrl: string;
  version: string;
  sha256: string;
  detected: Inference['detected'];
  yaml: string;
}

/**
 * `freshet new`: fetch a release, look at its files (never running any of them) and write a
 * recipe with comments where freshet guessed.
 */
export async function newRecipe(options: NewRecipeOptions): Promise<NewRecipeResult> {
  const release = await chooseRelease(options.http, options.url, options.name);
  const upstream = guessUpstream(release.tarballUrl, options.name);
  if (!upstream) throw new UserError(`${release.tarballUrl}: cannot tell a name and version from this URL`, { hint: 'pass --name and a URL ending in NAME-VERSION.tar.gz' });
  const fetched = await downloadAndUnpack(options.http, release.tarballUrl);
  try {
    const root = fetched.unpacked.topDir ? path.join(fetched.unpacked.dir, fetched.unpacked.topDir) : fetched.unpacked.dir;
    const inference = inferRecipe({ tree: openTree(root), upstream, name: options.name, sha256: fetched.sha256, signatureUrl: release.signatureUrl });
    const file = path.join(options.outDir, `${inference.recipe.name}.yaml`);
    if (existsSync(file) && !options.force) throw new ConfigError(`${file}: already exists`, { hint: 'pass --force to replace it, or --name for another name' });
    const yaml = renderRecipe(inference, release.tarballUrl);
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(file, yaml);
    return { file, tarballUrl: release.tarballUrl, version: upstream.version, sha256: fetched.sha256, detected: inference.detected, yaml };
  } finally {
    rmSync(fetched.dir, { recursive: true, force: true });
  }
}
