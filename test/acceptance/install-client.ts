import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { getEngine } from '../../src/build/engine/api.js';
import { imageRef } from '../../src/build/images.js';
import { dnfClient } from '../../src/gate/rpm/dnf.js';

/**
 * A client of a served archive, as an operator sets one up: the bundled chain's consumer, libgcrypt
 * (1.12.4, which needs libgpg-error 1.61 from the archive: Debian 12 ships 1.46), installed with apt
 * in a clean debian-12 container and with dnf and rpm for debian-12-rpm, and its smoke command run.
 * Shared by the embedded mode's chain test and the farm's acceptance test.
 */

/**
 * A clean `target` container with the archive at `url` added as an operator adds it (its keyring
 * under /etc/apt/keyrings, a deb822 source for `suite`): apt-get update, install `pkg`, print
 * `installed <version>`, then run `probe`. The run is returned for the caller's assertions.
 */
export async function aptInstallFromArchive(options: { target: string; url: string; suite: string; keyring: Buffer; pkg: string; probe: string; name: string }) {
  const client = mkdtempSync(path.join(os.tmpdir(), 'freshet-apt-client-'));
  try {
    writeFileSync(path.join(client, 'freshet.gpg'), options.keyring);
    writeFileSync(
      path.join(client, 'freshet.sources'),
      `Types: deb\nURIs: ${options.url}\nSuites: ${options.suite}\nComponents: main\nSigned-By: /etc/apt/keyrings/freshet.gpg\n`,
    );
    const script = [
      'set -e',
      'install -d /etc/apt/keyrings && install -m 0644 /client/freshet.gpg /etc/apt/keyrings/freshet.gpg',
      'cp /client/freshet.sources /etc/apt/sources.list.d/',
      'apt-get update 2>&1',
      `DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${options.pkg} >/dev/null`,
      "dpkg-query -W -f='installed ${Version}\\n' " + options.pkg,
      options.probe,
    ].join('\n');
    return await getEngine('podman').run(
      {
        image: imageRef.base(options.target),
        command: ['sh', '-c', script],
        name: options.name,
        network: 'host',
        mounts: [{ source: client, target: '/client', readonly: true }],
        capabilities: 'default',
      },
      { allowFailure: true },
    );
  } finally {
    rmSync(client, { recursive: true, force: true });
  }
}

/** GET from `freshet serve`, polled until it answers. */
export async function get(url: string): Promise<Response> {
  for (let tries = 0; tries < 300; tries++) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return response;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`GET ${url}: no answer from freshet serve`);
}

/** A setup file from `freshet serve`, once serve has rewritten the run's copy (which names the configured address) with its own. */
async function setupFile(url: string, name: string): Promise<string> {
  for (let tries = 0; tries < 300; tries++) {
    const text = await (await get(`${url}setup/${name}`)).text();
    if (text.includes(url)) return text;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`setup/${name} never named ${url}`);
}

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/** libgcrypt's smoke commands and what their output must match, from its recipe. */
function libgcryptGate(): { smoke: string[][]; expect: RegExp } {
  const recipe = parse(readFileSync(path.join(import.meta.dirname, '../../recipes/libgcrypt.yaml'), 'utf8')) as { gate: { smoke: string[][]; expect: string } };
  return { smoke: recipe.gate.smoke, expect: new RegExp(recipe.gate.expect.replaceAll('{version}', '1\\.12\\.4'), 'm') };
}

/**
 * A clean debian-12 container set up from `freshet serve` at `url` (on the host's network) as its
 * instructions say installs libgcrypt20-dev with apt, which pulls the fresh libgpg-error from the
 * archive, and libgcrypt's smoke command works.
 */
export async function expectAptInstallsLibgcrypt(url: string, containerName: string): Promise<void> {
  // What `freshet serve --instructions` tells an operator to fetch: the key and the target's setup file.
  const sources = await setupFile(url, 'debian-12.sources');
  expect(sources).toContain(`URIs: ${url}\n`);
  const keyring = sources.match(/^Signed-By: (\S+)$/m)![1]!;
  const gate = libgcryptGate();
  const script = [
    'set -e',
    // apt-helper: the base image has no curl; it fetches over HTTP as the operator's curl would
    // (into /tmp, where apt's unprivileged download user may write).
    `/usr/lib/apt/apt-helper download-file ${url}${path.basename(keyring)} /tmp/freshet.gpg`,
    `/usr/lib/apt/apt-helper download-file ${url}setup/debian-12.sources /tmp/freshet.sources`,
    `install -D -m 0644 /tmp/freshet.gpg ${keyring}`,
    'install -m 0644 /tmp/freshet.sources /etc/apt/sources.list.d/freshet.sources',
    'apt-get update 2>&1',
    // libgcrypt's -dev package carries its tools (mpicalc) on Debian 12, as Debian splits it.
    'DEBIAN_FRONTEND=noninteractive apt-get install -y libgcrypt20-dev',
    "dpkg-query -W -f='installed ${Package} ${Version}\\n' libgpg-error0 libgcrypt20 libgcrypt20-dev",
    'echo smoke:',
    ...gate.smoke.map((command) => command.map(shellQuote).join(' ')),
  ].join('\n');
  const result = await getEngine('podman').run(
    { image: imageRef.base('debian-12'), command: ['sh', '-c', script], name: containerName, network: 'host', capabilities: 'default' },
    { allowFailure: true },
  );
  expect(result.exitCode, result.tail).toBe(0);
  expect(result.stdout).not.toMatch(/^(W|E|Err):/m);
  // Bookworm ships libgpg-error 1.46: the 1.61 that libgcrypt needs came from the archive.
  expect(result.stdout).toContain('installed libgpg-error0 1.61-0~deb12+freshet1\n');
  expect(result.stdout).toContain('installed libgcrypt20 1.12.4-0~deb12+freshet1\n');
  expect(result.stdout).toContain('installed libgcrypt20-dev 1.12.4-0~deb12+freshet1\n');
  expect(result.stdout).toMatch(new RegExp(`^Get:\\d+ ${url.slice(0, -1).replaceAll('.', '\\.')} bookworm/main \\S+ libgpg-error0 \\S+ 1\\.61-0~deb12\\+freshet1`, 'm'));
  expect(result.stdout.split('\nsmoke:\n')[1]).toMatch(gate.expect);
}

/**
 * dnf resolves libgcrypt-devel and the fresh libgpg-error in the YUM repository `freshet serve`
 * at `url` names in its .repo file; installed with signatures enforced in the debian-12-rpm image,
 * libgcrypt's smoke command works.
 */
export async function expectDnfInstallsLibgcrypt(url: string, containerName: string): Promise<void> {
  // The .repo file `freshet serve --instructions` tells an operator to install, signature checks on.
  const repoFile = await setupFile(url, 'debian-12-rpm.repo');
  expect(repoFile).toMatch(/^gpgcheck=1$/m);
  expect(repoFile).toMatch(/^repo_gpgcheck=1$/m);
  const baseurl = repoFile.match(/^baseurl=(\S+)$/m)![1]!;
  const gpgkey = repoFile.match(/^gpgkey=(\S+)$/m)![1]!;
  expect(baseurl).toBe(`${url}rpm/debian-12-rpm/`);

  // As the RPM gate does on rpm-on-Debian: dnf on the host (an isolated root) resolves what the
  // consumer requires from the repository; what it needs from the distribution (libc) is Debian's.
  const work = mkdtempSync(path.join(os.tmpdir(), 'freshet-chain-dnf-'));
  const client = dnfClient(path.join(work, 'dnf'), { id: 'freshet', baseurl, gpgkey, releasever: '12' });
  const query = async (args: string[]) => {
    const result = await client.dnf(['repoquery', '--repo', 'freshet', '--latest-limit', '1', '--arch', 'x86_64,noarch', '--qf', '%{name}\t%{evr}\t%{location}', ...args]);
    return result.stdout.split('\n').filter((line) => line.includes('\t')).map((line) => line.trim().split('\t') as [string, string, string]);
  };
  const chosen = new Map<string, { evr: string; location: string }>();
  let pending = await query(['libgcrypt-devel']);
  while (pending.length > 0) {
    const fresh = pending.filter(([name]) => !chosen.has(name));
    for (const [name, evr, location] of fresh) chosen.set(name, { evr, location });
    pending = fresh.length === 0 ? [] : await query(['--requires', '--resolve', ...fresh.map(([name]) => name)]);
  }
  expect(Object.fromEntries([...chosen].map(([name, { evr }]) => [name, evr]))).toEqual({
    'libgcrypt-devel': '1.12.4-0.deb12.freshet1',
    libgcrypt: '1.12.4-0.deb12.freshet1',
    'libgpg-error-devel': '1.61-0.deb12.freshet1',
    'libgpg-error': '1.61-0.deb12.freshet1',
  });
  const downloads = path.join(work, 'client');
  mkdirSync(path.join(downloads, 'rpms'), { recursive: true });
  writeFileSync(path.join(downloads, 'key.asc'), Buffer.from(await (await get(gpgkey)).arrayBuffer()));
  for (const { location } of chosen.values()) {
    writeFileSync(path.join(downloads, 'rpms', path.basename(location)), Buffer.from(await (await get(new URL(location, baseurl).href)).arrayBuffer()));
  }

  const gate = libgcryptGate();
  const script = [
    'set -e',
    'rpmkeys --import /client/key.asc',
    // --nodeps: their libc is Debian's, which rpm's database cannot see; signatures still required.
    "rpm -i --nodeps --define '_pkgverify_level signature' /client/rpms/*.rpm",
    "rpm -q --qf 'installed %{NAME} %{VERSION}-%{RELEASE}\\n' libgpg-error libgcrypt libgcrypt-devel",
    // The RPMs' /usr/lib64 before Debian's folders, whose libgcrypt and libgpg-error are older.
    'echo /usr/lib64 > /etc/ld.so.conf.d/00-freshet-lib64.conf && ldconfig',
    'echo smoke:',
    ...gate.smoke.map((command) => command.map(shellQuote).join(' ')),
  ].join('\n');
  const result = await getEngine('podman').run(
    {
      image: imageRef.builder('debian-12-rpm'),
      command: ['sh', '-c', script],
      name: containerName,
      network: 'none',
      user: 'root',
      mounts: [{ source: downloads, target: '/client', readonly: true }],
      capabilities: 'default',
    },
    { allowFailure: true },
  );
  expect(result.exitCode, result.tail).toBe(0);
  expect(result.stdout).toContain('installed libgpg-error 1.61-0.deb12.freshet1\n');
  expect(result.stdout).toContain('installed libgcrypt-devel 1.12.4-0.deb12.freshet1\n');
  expect(result.stdout.split('\nsmoke:\n')[1]).toMatch(gate.expect);
}
