import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { podman } from '../../src/build/engine/podman/index.js';
import { ownerLabels } from '../../src/build/labels.js';
import { resolveConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';
import { setLogLevel } from '../../src/core/log.js';
import { mainArchive } from '../../src/publish/api.js';
import { publishApt } from '../../src/publish/apt/publish.js';
import { createStaticHandler, listen } from '../../src/serve/static.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey, KEYRING_GPG } from '../../src/sign/key.js';
import type { BuildArtifact } from '../../src/types.js';
import { verifyArchive } from '../../src/verify/index.js';
import { debBytes } from '../publish/debs.js';

/**
 * Soak: real `apt-get update --error-on=any` in a loop, in a Debian 12 container (the bootstrapped
 * localhost/freshet/base:debian-12 image, host network, only a loopback source signed-by the
 * archive key), while PUBLISHES (default 50) publishes run back to back on the archive it reads.
 * Every warning or error apt prints counts; the figure must be zero.
 * Usage: node dist/.bench/bench/soak/apt-loop.js [PUBLISHES]   (BENCH_PORT, default 18793)
 */
const PUBLISHES = Number(process.argv[2] ?? 50);
const PORT = Number(process.env.BENCH_PORT ?? 18793);
const here = path.dirname(new URL(import.meta.url).pathname);
const work = path.resolve(here, '../../../../var/bench/soak-apt');
const IMAGE = 'localhost/freshet/base:debian-12';

const CLIENT_SCRIPT = `set -u
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
echo "deb [signed-by=/ctl/${KEYRING_GPG}] http://127.0.0.1:${PORT}/ bookworm main" > /etc/apt/sources.list.d/freshet.list
rounds=0; errors=0
# Until told to stop (at least 3 rounds), and never past 15 minutes.
while { [ ! -e /ctl/stop ] || [ $rounds -lt 3 ]; } && [ $SECONDS -lt 900 ]; do
  rounds=$((rounds+1))
  if ! apt-get update -q --error-on=any > /ctl/round.txt 2>&1 || grep -qE '^(W|E|Err):' /ctl/round.txt; then
    errors=$((errors+1)); { echo "== round $rounds"; cat /ctl/round.txt; } >> /ctl/errors.txt
  fi
done
echo "$rounds $errors" > /ctl/result
`;

function artifact(file: string, bytes: Buffer): BuildArtifact {
  writeFileSync(file, bytes);
  return { file, kind: 'deb', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function main(): Promise<void> {
  setLogLevel('error');
  rmSync(work, { recursive: true, force: true });
  const ctl = path.join(work, 'ctl');
  const debs = path.join(work, 'debs');
  for (const dir of [ctl, debs]) mkdirSync(dir, { recursive: true });
  chmodSync(ctl, 0o777);
  const raw = {
    archive: 'archive',
    state: 'state',
    archiveInfo: { origin: 'freshet-soak', label: 'freshet-soak', validDays: 7, graceHours: 24, keep: 2 },
    targets: [{ id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } }],
  };
  const configFile = path.join(work, 'freshet.config.yaml');
  writeFileSync(configFile, JSON.stringify(raw));
  const config = resolveConfig(Config.parse(raw), configFile);
  const archive = mainArchive(config);
  await createKey(config.stateDir, { name: 'freshet soak', email: 'soak@localhost', algorithm: 'ed25519', expire: '1y' });
  const deb = (index: number, version: string) => artifact(path.join(debs, `soak${index % 5}_${version}_all.deb`), debBytes(`soak${index % 5}`, version));
  await publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [deb(0, '1.0-0')] }] });
  copyFileSync(path.join(archive.root, KEYRING_GPG), path.join(ctl, KEYRING_GPG));
  chmodSync(path.join(ctl, KEYRING_GPG), 0o644);
  const server = await listen(createStaticHandler({ root: archive.root }), '127.0.0.1', PORT);

  const client = podman.run(
    {
      image: IMAGE,
      command: ['bash', '-c', CLIENT_SCRIPT],
      name: `freshet-soak-apt-${process.pid}`,
      network: 'host',
      capabilities: 'default',
      labels: ownerLabels('soak-apt'),
      mounts: [{ source: ctl, target: '/ctl', readonly: false }],
      timeoutMs: 20 * 60_000,
    },
    { allowFailure: true },
  );
  const started = Date.now();
  for (let index = 1; index <= PUBLISHES; index += 1) {
    // Five packages take turns getting a new version: indices change, old versions retire.
    await publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [deb(index, `1.${index}-1`)] }] });
  }
  const publishMs = Date.now() - started;
  writeFileSync(path.join(ctl, 'stop'), '');
  const exited = await client;
  await server.close();
  const problems = await verifyArchive(archive.root);
  await stopAgent(gnupgHome(config.stateDir));

  const [rounds, errors] = existsSync(path.join(ctl, 'result')) ? readFileSync(path.join(ctl, 'result'), 'utf8').trim().split(' ').map(Number) : [0, -1];
  console.log(`soak apt: ${PUBLISHES} publishes back to back in ${(publishMs / 1000).toFixed(1)} s (${(publishMs / PUBLISHES).toFixed(0)} ms each)`);
  console.log(`  apt-get update rounds in the container: ${rounds}, rounds with an error or warning: ${errors}`);
  console.log(`  archive check after the last publish: ${problems.length} problems`);
  if (errors !== 0 && existsSync(path.join(ctl, 'errors.txt'))) console.log(readFileSync(path.join(ctl, 'errors.txt'), 'utf8').slice(0, 4000));
  if (exited.exitCode !== 0) console.log(`client container exited ${exited.exitCode}: ${exited.tail}`);
  const failed = errors !== 0 || rounds < 3 || problems.length > 0 || exited.exitCode !== 0;
  console.log(failed ? 'FAILED' : 'soak apt: zero errors');
  process.exitCode = failed ? 1 : 0;
}

await main();
