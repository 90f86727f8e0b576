import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';

const targets = [{ id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } }];
const limitsOf = (limits: Record<string, unknown> | undefined) => resolveConfig(Config.parse({ targets, limits }), '/srv/freshet/freshet.config.yaml').limits;

describe('limits', () => {
  it('case 33: builds get a CPU limit and gates their own limits by default', () => {
    expect(limitsOf(undefined)).toMatchObject({
      buildCpus: Math.min(8, os.availableParallelism()),
      gateTimeoutMs: 20 * 60_000,
      gateMemory: '2g',
      gatePids: 2048,
      gateCpus: Math.min(2, os.availableParallelism()),
    });
  });

  it('case 33: takes the configured limits, never more CPUs than the machine has', () => {
    const limits = limitsOf({ buildCpus: 0.5, gateTimeoutMinutes: 5, gateMemory: '512m', gatePids: 256, gateCpus: 1000 });
    expect(limits).toMatchObject({ buildCpus: 0.5, gateTimeoutMs: 5 * 60_000, gateMemory: '512m', gatePids: 256, gateCpus: os.availableParallelism() });
  });
});
