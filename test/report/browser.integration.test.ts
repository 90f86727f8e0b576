import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStatus } from '../../src/report/write.js';
import { startServer, type FreshetServer } from '../../src/serve/server.js';
import { makeFixture, NOW, TOKEN } from './fixture.js';

/**
 * The status page in a real browser (Debian's chromium), JavaScript off: the matrix cells, a log
 * link, the badges, the chains. Leaves a screenshot in test-artifacts/status.png for a human look.
 */
const fixture = makeFixture();
const gadget = { name: 'gadget', summary: 'needs frob', homepage: 'https://example.org/gadget/', sourcePackage: 'gadget', skips: {} };
const profile = mkdtempSync(path.join(tmpdir(), 'freshet-chromium-'));
let server: FreshetServer;
let context: BrowserContext;

beforeAll(async () => {
  // A chain (issue 15): gadget needs frob, whose 1.4 build failed, so that run left gadget waiting.
  const { state } = fixture;
  state.recordRelease('gadget', { upstreamVersion: '0.9', url: 'https://example.org/gadget/gadget-0.9.tar.gz' }, '2025-04-30T00:00:00Z');
  state.recordCheck('gadget', { ok: true, newest: '0.9', checkedAt: '2025-05-01T23:00:00Z' });
  state.recordChain({ targetId: 'debian-12', members: ['frob', 'gadget'], edges: [{ provider: 'frob', dependent: 'gadget' }], recordedAt: '2025-04-30T02:15:00Z' });
  state.setBlocked({ recipe: 'gadget', targetId: 'debian-12', packageVersion: '0.9-0~deb12+freshet1', status: 'waiting', blockedBy: [{ recipe: 'frob', status: 'build-failed' }], at: '2025-04-30T02:15:00Z' });
  await writeStatus(fixture.config, fixture.state, NOW, { recipes: [...fixture.recipes, gadget], fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567' });
  server = await startServer({
    config: fixture.config,
    state: fixture.state,
    host: '127.0.0.1',
    port: 0,
    env: {},
    runPipeline: async () => undefined,
    writeStatus: async () => undefined,
  });
  // A fresh profile folder each run (Playwright passes it to chromium as --user-data-dir).
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    javaScriptEnabled: false,
    viewport: { width: 1280, height: 900 },
  });
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  fixture.state.close();
  rmSync(profile, { recursive: true, force: true });
});

describe('status page in chromium', () => {
  it('shows the matrix, follows a log link, renders badges, without JavaScript', async () => {
    const page = await context.newPage();
    const response = await page.goto(`${server.url}status/`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('freshet status');

    const row = (recipe: string) => page.locator('tbody tr', { has: page.locator(`th[scope=row] a`, { hasText: recipe }) });
    const helloBookworm = row('hello').locator('td[data-target="debian-12"]');
    await expect(helloBookworm.locator('.state').innerText()).resolves.toBe('newest');
    const helloText = await helloBookworm.innerText();
    expect(helloText).toMatch(/freshet\s+2\.12\.3/);
    expect(helloText).toMatch(/distro\s+2\.10-3/);
    expect(await row('hello').locator('td[data-target="debian-13"]').innerText()).toMatch(/distro\s+2\.10-5/);

    const frob = row('frob').locator('td[data-target="debian-12"]');
    await expect(frob.locator('.state').innerText()).resolves.toBe('failed');
    expect(await frob.innerText()).toContain('1.3 still served');
    // Hostile upstream text shows as text, and the token does not show at all.
    const body = await page.locator('body').innerText();
    expect(body).toContain('<script>alert("x")</script>');
    expect(body).not.toContain(TOKEN);
    expect(await page.locator('script').count()).toBe(0);

    const badges = await page.locator('img').evaluateAll((images) =>
      // Runs in the page: the DOM image type is not in this project's lib, so describe what is read.
      (images as unknown as Array<{ naturalWidth: number; getAttribute(name: string): string | null }>).map((image) => ({
        src: image.getAttribute('src'),
        width: image.naturalWidth,
      })),
    );
    expect(badges.length).toBeGreaterThanOrEqual(2);
    for (const badge of badges) expect(badge.width, badge.src ?? '').toBeGreaterThan(0);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/status.png', fullPage: true });

    await frob.getByRole('link', { name: 'build failed' }).click();
    const logText = await page.locator('body').innerText();
    expect(page.url()).toBe(`${server.url}status/logs/frob_debian-12_1.4_r1/build.log`);
    expect(logText).toContain('configure: error: libfoo not found <b>bold</b>');
    expect(logText).toContain('Authorization: Bearer [REDACTED]');
    expect(logText).not.toContain(TOKEN);
  });

  it('shows a chain held by its failed provider, and its dependent waiting on it', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}status/`);
    const waiting = page.locator('tbody tr', { has: page.locator('th[scope=row] a', { hasText: 'gadget' }) }).locator('td[data-target="debian-12"]');
    await expect(waiting.locator('.state').innerText()).resolves.toBe('pending');
    expect(await waiting.locator('.note').innerText()).toBe('waiting on frob (build failed)');

    const chains = page.getByRole('table', { name: 'Chains' });
    expect(await chains.locator('tbody tr').count()).toBe(1);
    expect(await chains.locator('tbody tr').innerText()).toMatch(/^debian-12\s+frob → gadget\s+held\s*gadget: waiting on frob \(build failed\)$/);
  });

  it('the recipe page draws the lag plot and the build history', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}status/hello.html`);
    const plot = page.locator('svg.plot');
    expect(await plot.count()).toBe(1);
    const box = await plot.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(await page.locator('svg.plot polyline').count()).toBe(2);
    expect(await page.getByRole('heading', { name: 'Recent builds' }).count()).toBe(1);
    expect(await page.locator('table').last().locator('tbody tr').count()).toBe(4);
    await page.screenshot({ path: 'test-artifacts/status-hello.png', fullPage: true });
  });
});
