import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStatus } from '../../src/report/write.js';
import { HOSTILE, makeFixture, NOW, TOKEN } from './fixture.js';

const fixture = makeFixture();
const read = (relative: string) => readFileSync(path.join(fixture.config.archiveDir, relative), 'utf8');

beforeAll(async () => {
  await writeStatus(fixture.config, fixture.state, NOW, { recipes: fixture.recipes, fingerprint: 'A'.repeat(40) });
});
afterAll(() => fixture.state.close());

const outputs = [
  'status/index.html',
  'status/frob.html',
  'status/hello.html',
  'status.json',
  'status.csv',
  'badges/frob.svg',
  'badges/frob/debian-12.svg',
  'status/logs/frob_debian-12_1.4_r1/build.log',
];

describe('writeStatus', () => {
  it('writes every report file into the archive root', () => {
    for (const file of [...outputs, 'badges/hello/debian-13.svg', 'setup/debian-12.sources', 'setup/debian-13.sources', 'status.schema.json', 'status/logs/hello_debian-12_2.12.3_r1/gate.log']) {
      expect(read(file).length, file).toBeGreaterThan(0);
    }
  });

  it.each(outputs)('case 30: %s never shows the token', (file) => {
    expect(read(file)).not.toContain(TOKEN);
  });

  it.each(['status/index.html', 'status/frob.html', 'badges/frob.svg'])('case 30: %s has no markup from recipes or upstreams', (file) => {
    const text = read(file);
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('"double"');
  });

  it('case 30: HTML shows hostile text escaped, not dropped', () => {
    const page = read('status/frob.html');
    expect(page).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quoted&#39; &#34;double&#34;');
    expect(page).toContain('[REDACTED]');
    // No JavaScript anywhere: no script elements, no inline handlers.
    expect(page).not.toMatch(/<script|\son[a-z]+=/i);
    expect(read('status/index.html')).not.toMatch(/<script|\son[a-z]+=/i);
  });

  it('the index shows the matrix: upstream newest, distro version, published, state, lag, log links', () => {
    const page = read('status/index.html');
    expect(page).toContain('<td class="cell st-newest" data-target="debian-12">');
    expect(page).toContain('<dt>distro</dt><dd>2.10-3</dd>');
    expect(page).toContain('<dt>freshet</dt><dd>2.12.3</dd>');
    expect(page).toContain('<td class="cell st-failed" data-target="debian-12">');
    expect(page).toContain('build of 1.4 failed; 1.3 still served');
    expect(page).toContain('2 d so far (not yet published)');
    expect(page).toContain('href="../status/logs/frob_debian-12_1.4_r1/build.log"');
    expect(page).toContain('lintian</dt><dd>0 E, 2 W');
    expect(page).toContain('A'.repeat(40));
    expect(page).toContain('sudo curl -fsSLo /etc/apt/sources.list.d/freshet.sources https://packages.example.org/freshet/setup/debian-12.sources');
  });

  it('the recipe page has the build history and an inline SVG lag plot', () => {
    const page = read('status/hello.html');
    expect(page).toContain('<svg class="plot"');
    expect(page.match(/<polyline /g)).toHaveLength(2);
    expect(page).toContain('[![hello in freshet](https://packages.example.org/freshet/badges/hello.svg)](https://packages.example.org/freshet/status/hello.html)');
    expect(page.match(/<tr><td>2025-/g)?.length).toBeGreaterThanOrEqual(4);
  });

  it('case 30: log copies are redacted but otherwise verbatim', () => {
    const log = read('status/logs/frob_debian-12_1.4_r1/build.log');
    expect(log).toContain('configure: error: libfoo not found <b>bold</b>');
    expect(log).toContain('Authorization: Bearer [REDACTED]');
  });

  it('case 30: CSV has one row per recipe and target, hostile cells quoted', () => {
    const rows = read('status.csv').trimEnd().split('\r\n');
    expect(rows[0]).toBe('recipe,target,state,upstream_newest,distro_ships,freshet_publishes,published_at,build_status,gate_status,lint_errors,lint_warnings,lag_seconds,lag_ongoing,note,error');
    expect(rows).toHaveLength(5);
    expect(rows[1]).toMatch(/^hello,debian-12,newest,2\.12\.3,2\.10-3,2\.12\.3,/);
    expect(rows[3]).toMatch(/^frob,debian-12,failed,1\.4,,1\.3,.*,true,build of 1\.4 failed; 1\.3 still served,"configure failed /);
    // The upstream error travels verbatim but quoted (RFC 4180) and redacted.
    const quoted = `"configure failed ${HOSTILE.replaceAll('"', '""')} [REDACTED]; upstream check: GET https://example.org/frob/ failed: ${HOSTILE.replaceAll('"', '""')} token [REDACTED]"`;
    expect(rows[3]!.endsWith(quoted)).toBe(true);
  });

  it('setup file is a deb822 source for the target', () => {
    expect(read('setup/debian-13.sources')).toBe(
      'Types: deb\nURIs: https://packages.example.org/freshet/\nSuites: trixie\nComponents: main\nSigned-By: /etc/apt/keyrings/freshet-archive-keyring.gpg\n',
    );
  });
});
