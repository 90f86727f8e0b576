import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepodataPins } from '../../src/serve/repodata-pins.js';

let repo: string;
const file = (generation: number, name: string) => path.join(repo, '.generations', String(generation), 'repodata', name);
const client = (address: string, agent = 'libdnf (Debian GNU/Linux 12)') =>
  ({ socket: { remoteAddress: address }, headers: { 'user-agent': agent } }) as unknown as http.IncomingMessage;

beforeAll(() => {
  repo = path.join(mkdtempSync(path.join(os.tmpdir(), 'freshet-pins-')), 'rpm', 'debian-12-rpm');
  for (const generation of [1, 2]) {
    mkdirSync(path.dirname(file(generation, 'x')), { recursive: true });
    for (const name of ['repomd.xml', 'repomd.xml.asc', 'primary.xml.zst']) writeFileSync(file(generation, name), `${generation}`);
  }
});

afterAll(() => rmSync(path.resolve(repo, '../..'), { recursive: true, force: true }));

describe('RepodataPins', () => {
  it('sends a client the signature of the generation it got repomd.xml from', () => {
    const pins = new RepodataPins();
    expect(pins.select(client('10.0.0.1'), file(1, 'repomd.xml'))).toBe(file(1, 'repomd.xml'));
    // The switch to generation 2 happened between the client's two requests.
    expect(pins.select(client('10.0.0.1'), file(2, 'repomd.xml.asc'))).toBe(file(1, 'repomd.xml.asc'));
    expect(pins.select(client('10.0.0.1'), file(2, 'primary.xml.zst'))).toBe(file(2, 'primary.xml.zst'));
  });

  it('gives other clients, and the same client after a new repomd.xml, the live signature', () => {
    const pins = new RepodataPins();
    pins.select(client('10.0.0.1'), file(1, 'repomd.xml'));
    expect(pins.select(client('10.0.0.2'), file(2, 'repomd.xml.asc'))).toBe(file(2, 'repomd.xml.asc'));
    expect(pins.select(client('10.0.0.1', 'curl/8'), file(2, 'repomd.xml.asc'))).toBe(file(2, 'repomd.xml.asc'));
    pins.select(client('10.0.0.1'), file(2, 'repomd.xml'));
    expect(pins.select(client('10.0.0.1'), file(2, 'repomd.xml.asc'))).toBe(file(2, 'repomd.xml.asc'));
  });

  it('forgets a client after a minute', () => {
    let now = 1_000;
    const pins = new RepodataPins({ now: () => now });
    pins.select(client('10.0.0.1'), file(1, 'repomd.xml'));
    now = 62_000;
    expect(pins.select(client('10.0.0.1'), file(2, 'repomd.xml.asc'))).toBe(file(2, 'repomd.xml.asc'));
  });

  it('sends the live signature once the pinned generation is gone', () => {
    const pins = new RepodataPins();
    pins.select(client('10.0.0.1'), file(1, 'repomd.xml'));
    rmSync(path.join(repo, '.generations', '1'), { recursive: true });
    expect(pins.select(client('10.0.0.1'), file(2, 'repomd.xml.asc'))).toBe(file(2, 'repomd.xml.asc'));
  });

  it('leaves files outside a repodata folder alone', () => {
    const pins = new RepodataPins();
    const other = path.join(repo, 'packages', 'repomd.xml.asc');
    expect(pins.select(client('10.0.0.1'), other)).toBe(other);
  });
});
