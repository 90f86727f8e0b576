import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { ensureBuilderImage } from '../../src/build/images.js';
import { OWNER_LABEL, RUN_LABEL } from '../../src/build/labels.js';
import { containersConfFile } from '../../src/build/paths.js';
import { findTarget, loadConfig, type ResolvedConfig } from '../../src/config/load.js';
import { run } from '../../src/core/exec.js';
import { buildCli, cli } from '../publish/cli-publish.js';
import { makeConfig } from '../publish/fixtures.js';

/**
 * Case 43 when the killed run's watchdog is gone too: any command that writes the state removes the
 * containers of a freshet process that no longer exists, not only `freshet run`.
 */
let dir: string;
let config: ResolvedConfig;
const name = `freshet-test-orphan-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-killed-run-'));
  config = makeConfig(dir);
  mkdirSync(config.recipesDir);
});

afterAll(async () => {
  await podman.removeContainers([name]);
  rmSync(dir, { recursive: true, force: true });
});

describe('containers of a killed run', () => {
  it('case 43: freshet status removes a running container whose freshet process is gone', async () => {
    const project = loadConfig('freshet.config.yaml');
    const image = (await ensureBuilderImage(findTarget(project, 'debian-12'), { engine: podman, stateDir: project.stateDir })).ref;
    // As a build of a SIGKILLed freshet (pid 999999 does not exist) whose watchdog was killed as well.
    await run('podman', ['run', '--detach', '--name', name, '--network=none', '--label', `${RUN_LABEL}=killed-run`, '--label', `${OWNER_LABEL}=999999:gone`, image, 'sleep', '300'], {
      env: { CONTAINERS_CONF: containersConfFile() },
    });
    expect((await podman.listContainers(RUN_LABEL)).map((container) => container.name)).toContain(name);

    const status = await cli(config.file, ['status']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stderr).toMatch(new RegExp(`warn: removing containers left by an earlier freshet run \\(containers=.*${name}`));
    expect((await podman.listContainers(RUN_LABEL)).map((container) => container.name)).not.toContain(name);
  });
});
