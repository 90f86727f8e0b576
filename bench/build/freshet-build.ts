/**
 * One freshet build of a generated source, as `freshet run` makes it: find (or make) the deps
 * image from the Build-Depends, then runDebBuild (dpkg-buildpackage -F, then lintian, network
 * off). A process of its own so the bench can time it, with its start-up, under /usr/bin/time.
 * Usage: node freshet-build.js <config> <target> <sourceDir> <outputDir> <packageVersion> <build-depends JSON>
 * Prints one JSON line: image outcome, build status, phase timings from the log.
 */
import { getEngine } from '../../src/build/engine/api.js';
import { readPhaseTimings } from '../../src/build/container-build.js';
import { runDebBuild } from '../../src/build/debian.js';
import { ensureDepsImage } from '../../src/build/images.js';
import { findTarget, loadConfig } from '../../src/config/load.js';
import { setLogLevel } from '../../src/core/log.js';

const [configFile, targetId, sourceDir, outputDir, packageVersion, dependsJson] = process.argv.slice(2);
if (!dependsJson) throw new Error('usage: freshet-build.js <config> <target> <sourceDir> <outputDir> <packageVersion> <build-depends JSON>');

setLogLevel('warn');
const config = loadConfig(configFile);
const target = findTarget(config, targetId!);
const engine = getEngine(config.engine);
const image = await ensureDepsImage(target, JSON.parse(dependsJson) as string[], { engine, stateDir: config.stateDir });
const upstreamVersion = packageVersion!.replace(/^\d+:/, '').replace(/-[^-]+$/, '');
const result = await runDebBuild(
  {
    id: 'bench-build-hello',
    recipe: 'hello',
    target: { id: target.id, family: target.family, distro: target.distro, release: target.release, codename: target.codename },
    upstreamVersion,
    packageVersion: packageVersion!,
    rebuild: 1,
    tarballSha256: '',
    sourceDir: sourceDir!,
    outputDir: outputDir!,
  },
  { engine, image: image.ref, limits: { memory: config.limits.buildMemory, pids: config.limits.buildPids, timeoutMs: config.limits.buildTimeoutMs } },
);
process.stdout.write(
  `${JSON.stringify({
    image: { ref: image.ref, how: image.how, ms: image.durationMs },
    status: result.status,
    error: result.error,
    debs: result.artifacts.filter((artifact) => artifact.kind === 'deb').length,
    lint: result.lint,
    ...readPhaseTimings(result.logFile),
  })}\n`,
);
