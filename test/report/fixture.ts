import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig, type ResolvedConfig } from '../../src/config/load.js';
import type { RecipeInfo } from '../../src/report/model.js';
import { StateStore } from '../../src/state/store.js';
import type { BuildResult } from '../../src/types.js';

/**
 * A state with the rows the status report reads: hello is published at upstream's newest on
 * both targets, which ship 2.10 themselves; "frob" has a failed build of its newest release with
 * a log, hostile text in its summary and upstream error, and a token that must never show.
 */
export const NOW = new Date('2025-05-02T00:00:00Z');
export const TOKEN = `ghp_${'A1b2C3d4E5'.repeat(4)}`;
export const HOSTILE = `<script>alert("x")</script> & 'quoted' "double"`;

export interface Fixture {
  dir: string;
  config: ResolvedConfig;
  state: StateStore;
  recipes: RecipeInfo[];
  failedLog: string;
}

const recipeYaml = (name: string, summary: string) => `name: ${name}
summary: ${JSON.stringify(summary)}
description: A fixture recipe.
homepage: https://example.org/${name}/
license: MIT
copyright:
  - 2025 Example
upstream:
  kind: html-index
  url: https://example.org/${name}/
  pattern: ${name}-(\\d[\\d.]*)\\.tar\\.gz
build:
  system: autotools
packages:
  - name: ${name}
`;

function build(
  state: StateStore,
  fields: { recipe: string; target: string; version: string; status: 'ok' | 'failed'; started: string; logFile: string; error?: string; lint?: BuildResult['lint'] },
): string {
  const id = `${fields.recipe}_${fields.target}_${fields.version}_r1`;
  const packageVersion = `${fields.version}-1~freshet1`;
  state.startBuild({ id, recipe: fields.recipe, targetId: fields.target, upstreamVersion: fields.version, packageVersion, rebuild: 1, logFile: fields.logFile, startedAt: fields.started });
  const finishedAt = new Date(Date.parse(fields.started) + 12 * 60_000).toISOString();
  state.finishBuild({
    jobId: id,
    recipe: fields.recipe,
    targetId: fields.target,
    packageVersion,
    status: fields.status,
    error: fields.error,
    artifacts: [],
    logFile: fields.logFile,
    lint: fields.lint,
    startedAt: fields.started,
    finishedAt,
  });
  return id;
}

export function makeFixture(options: { webhooks?: ResolvedConfig['webhooks'] } = {}): Fixture {
  const dir = mkdtempSync(path.join(tmpdir(), 'freshet-report-'));
  const recipesDir = path.join(dir, 'recipes');
  const logs = path.join(dir, 'state/builds');
  mkdirSync(recipesDir, { recursive: true });
  mkdirSync(logs, { recursive: true });
  mkdirSync(path.join(dir, 'archive'), { recursive: true });
  writeFileSync(path.join(recipesDir, 'hello.yaml'), recipeYaml('hello', 'example package based on GNU hello'));
  writeFileSync(path.join(recipesDir, 'frob.yaml'), recipeYaml('frob', 'frobnicates & things'));
  const target = (id: string, release: string, codename: string) => ({
    id,
    family: 'deb' as const,
    distro: 'debian' as const,
    release,
    codename,
    image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } },
  });
  const config = resolveConfig(
    {
      targets: [target('debian-12', '12', 'bookworm'), target('debian-13', '13', 'trixie'), { ...target('ubuntu-24.04', '24.04', 'noble'), enabled: false }],
      archiveInfo: { url: 'https://packages.example.org/freshet/' },
      webhooks: options.webhooks,
    },
    path.join(dir, 'freshet.config.yaml'),
  );
  const state = StateStore.open(config.stateDir);

  // hello: 2.12.2 then 2.12.3, both published on both targets.
  const seen = { '2.12.2': '2025-02-01T00:00:00Z', '2.12.3': '2025-05-01T00:00:00Z' } as const;
  for (const [version, seenAt] of Object.entries(seen)) {
    state.recordRelease('hello', { upstreamVersion: version, url: `https://example.org/hello/hello-${version}.tar.gz` }, seenAt);
  }
  state.recordCheck('hello', { ok: true, newest: '2.12.3', checkedAt: '2025-05-01T23:00:00Z' });
  for (const [index, id] of ['debian-12', 'debian-13'].entries()) {
    state.setShipped(id, 'hello', index === 0 ? '2.10-3' : '2.10-5', '2025-05-01T23:00:00Z');
    for (const [version, seenAt] of Object.entries(seen)) {
      const logFile = path.join(logs, `hello-${id}-${version}.log`);
      writeFileSync(logFile, `building hello ${version} on ${id}\ndh binary\nok\n`);
      const started = new Date(Date.parse(seenAt) + (2 + index) * 3_600_000).toISOString();
      const buildId = build(state, {
        recipe: 'hello',
        target: id,
        version,
        status: 'ok',
        started,
        logFile,
        lint: { tool: 'lintian', errors: 0, warnings: 2, tags: ['no-manual-page', 'initial-upload-closes-no-bugs'] },
      });
      const gateLog = path.join(logs, `hello-${id}-${version}.gate.log`);
      writeFileSync(gateLog, `hello (GNU Hello) ${version}\n`);
      state.recordGate(buildId, { status: 'passed', logFile: gateLog, at: new Date(Date.parse(started) + 20 * 60_000).toISOString() });
      state.recordPublication({
        recipe: 'hello',
        targetId: id,
        packageVersion: `${version}-1~freshet1`,
        upstreamVersion: version,
        buildId,
        publishedAt: new Date(Date.parse(started) + 30 * 60_000).toISOString(),
      });
      if (version === '2.12.2') state.markUnpublished('hello', id, `${version}-1~freshet1`, '2025-05-01T03:00:00Z');
    }
  }

  // frob: 1.3 live on debian-12; the build of 1.4 failed; debian-13 never built.
  state.recordRelease('frob', { upstreamVersion: '1.3', url: 'https://example.org/frob/frob-1.3.tar.gz' }, '2025-03-01T00:00:00Z');
  state.recordRelease('frob', { upstreamVersion: '1.4', url: 'https://example.org/frob/frob-1.4.tar.gz' }, '2025-04-30T00:00:00Z');
  state.recordCheck('frob', { ok: false, error: `GET https://example.org/frob/ failed: ${HOSTILE} token ${TOKEN}`, newest: '1.4', checkedAt: '2025-05-01T23:00:00Z' });
  state.setShipped('debian-12', 'frob', null, '2025-05-01T23:00:00Z');
  const oldLog = path.join(logs, 'frob-1.3.log');
  writeFileSync(oldLog, 'frob 1.3 built\n');
  const oldBuild = build(state, { recipe: 'frob', target: 'debian-12', version: '1.3', status: 'ok', started: '2025-03-01T05:00:00Z', logFile: oldLog });
  state.recordGate(oldBuild, { status: 'passed', at: '2025-03-01T05:20:00Z' });
  state.recordPublication({ recipe: 'frob', targetId: 'debian-12', packageVersion: '1.3-1~freshet1', upstreamVersion: '1.3', buildId: oldBuild, publishedAt: '2025-03-01T05:30:00Z' });
  const failedLog = path.join(logs, 'frob-1.4.log');
  writeFileSync(failedLog, `checking for libfoo... no\nconfigure: error: libfoo not found <b>bold</b>\nAuthorization: Bearer ${TOKEN}\n`);
  build(state, { recipe: 'frob', target: 'debian-12', version: '1.4', status: 'failed', started: '2025-04-30T02:00:00Z', logFile: failedLog, error: `configure failed ${HOSTILE} ${TOKEN}` });

  const recipes: RecipeInfo[] = [
    { name: 'hello', summary: 'example package based on GNU hello', homepage: 'https://www.gnu.org/software/hello/', sourcePackage: 'hello', skips: {} },
    { name: 'frob', summary: `frobnicates ${HOSTILE}`, homepage: 'https://example.org/frob/', sourcePackage: 'frob', skips: {} },
  ];
  return { dir, config, state, recipes, failedLog };
}
