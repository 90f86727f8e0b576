import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLintian } from '../../src/build/lintian.js';
import { run } from '../../src/core/exec.js';
import { lintSummary } from '../../src/report/model.js';
import { recipePage } from '../../src/report/pages.js';
import { makeDeb } from '../publish/fixtures.js';

/** Real lintian on a package that lacks its copyright file: each finding is kept with its package and file. */
const dir = mkdtempSync(path.join(tmpdir(), 'freshet-lintian-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lintian findings', () => {
  it('keeps what real lintian reports with package, tag and file, and the status page shows it', async () => {
    const deb = await makeDeb(dir, { name: 'findings-demo', version: '1.0-1' });
    const { stdout } = await run('lintian', ['--no-tag-display-limit', deb.file], { allowFailure: true, env: { LC_ALL: 'C.UTF-8' } });
    const report = parseLintian(stdout);
    expect(report.errors, stdout).toBeGreaterThan(0);
    expect(report.findings).toContainEqual({ severity: 'error', package: 'findings-demo', tag: 'no-copyright-file', info: '' });
    expect(report.findings).toContainEqual({ severity: 'error', package: 'findings-demo', tag: 'no-changelog', info: 'usr/share/doc/findings-demo/changelog.Debian.gz (non-native package)' });

    const lint = lintSummary(report)!;
    const build = { id: 'b', target: 'debian-12', upstreamVersion: '1.0', packageVersion: '1.0-1', status: 'ok', startedAt: '2026-01-01T00:00:00Z', finishedAt: null, error: null, log: null, gate: null, lint };
    const page = String(recipePage({ name: 'findings-demo', summary: 's', homepage: 'https://example.org/', newest: '1.0', cells: [{ target: 'debian-12', state: 'newest', published: '1.0-1', shipped: null, note: null, lag: null, build }], history: [], lagHistory: [] } as never, { targets: [], recipes: [], archive: { url: 'http://x/', fingerprint: null } } as never));
    expect(page).toContain('no-copyright-file');
    expect(page).toContain('usr/share/doc/findings-demo/changelog.Debian.gz (non-native package)');
  });
});
