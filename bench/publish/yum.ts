/**
 * YUM publish bench: freshet's publish against a bare `createrepo_c --update` on the same files.
 * N small RPMs (one rpmbuild run), one throwaway key. Times, for freshet (library calls, what
 * `freshet run` does): the full publish of N (every package signed with rpmsign), adding one RPM
 * to the N and republishing, and a republish with nothing new (resign); for createrepo_c alone:
 * the full index of the same N unsigned files, then `--update --cachedir` after adding one, with
 * no package or metadata signing and no self-check. Usage in bench/README.md.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';
import { run } from '../../src/core/exec.js';
import { setLogLevel } from '../../src/core/log.js';
import { mainArchive } from '../../src/publish/api.js';
import { publishYum, resignYum } from '../../src/publish/yum/publish.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey } from '../../src/sign/key.js';
import type { BuildArtifact } from '../../src/types.js';
import { ensureRpms } from './rpms.js';

const repo = path.resolve(import.meta.dirname, '../../../..');
const base = path.join(repo, 'var/bench/publish');

function artifactOf(file: string): BuildArtifact {
  const data = readFileSync(file);
  return { file, kind: 'rpm', size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

async function seconds<T>(work: () => Promise<T>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function benchSize(count: number): Promise<void> {
  const work = path.join(base, `yum-run-${count}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const buildStarted = Date.now();
  const rpms = await ensureRpms(path.join(base, `rpms-${count}`), 'bench', count);
  const [extra] = await ensureRpms(path.join(base, 'rpms-extra'), 'benchnew', 1);
  console.log(`${count} RPMs ready in ${((Date.now() - buildStarted) / 1000).toFixed(1)} s`);

  const raw = {
    archive: 'archive',
    state: 'state',
    archiveInfo: { origin: 'bench', label: 'bench', graceHours: 24, keep: 3 },
    targets: [{ id: 'debian-12-rpm', family: 'rpm', distro: 'debian', release: '12', codename: 'debian-12-rpm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian', suite: 'bookworm' } } }],
  };
  const configFile = path.join(work, 'freshet.config.yaml');
  writeFileSync(configFile, JSON.stringify(raw));
  const config = resolveConfig(Config.parse(raw), configFile);
  const archive = mainArchive(config);
  await createKey(config.stateDir, { name: 'freshet bench', email: 'bench@localhost', algorithm: 'ed25519', expire: '1y' });
  const suite = 'debian-12-rpm';
  try {
    const full = await seconds(() => publishYum({ config, archive, suite, add: [{ artifacts: rpms.map(artifactOf) }] }));
    const addOne = await seconds(() => publishYum({ config, archive, suite, add: [{ artifacts: [artifactOf(extra!)] }] }));
    const republish = await seconds(() => resignYum({ config, archive, suite }));

    // createrepo_c alone, on copies of the same (unsigned) files.
    const bare = path.join(work, 'bare');
    mkdirSync(path.join(bare, 'packages'), { recursive: true });
    for (const file of rpms) copyFileSync(file, path.join(bare, 'packages', path.basename(file)));
    const cache = path.join(work, 'bare-cache');
    const createrepo = (...args: string[]) => run('createrepo_c', ['--quiet', '--no-database', '--cachedir', cache, ...args, bare], { timeoutMs: 3_600_000 });
    const bareFull = await seconds(() => createrepo());
    copyFileSync(extra!, path.join(bare, 'packages', path.basename(extra!)));
    const bareAddOne = await seconds(() => createrepo('--update'));
    const bareRepublish = await seconds(() => createrepo('--update'));

    const row = (label: string, a: number, b: number) => `| ${label} | ${a.toFixed(2)} s | ${b.toFixed(2)} s | ${(a - b).toFixed(2)} s |`;
    console.log(`\nN = ${count}\n`);
    console.log('| step | freshet | createrepo_c alone | freshet overhead |');
    console.log('| --- | --- | --- | --- |');
    console.log(row('full publish of N', full, bareFull));
    console.log(row('add one RPM and republish', addOne, bareAddOne));
    console.log(row('republish, nothing new', republish, bareRepublish));
  } finally {
    await stopAgent(gnupgHome(config.stateDir));
  }
}

setLogLevel('warn');
const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
for (const count of sizes.length > 0 ? sizes : [2000]) await benchSize(count);
