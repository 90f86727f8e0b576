import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { PipelineQueue } from '../../src/serve/pipeline-queue.js';

const config = resolveConfig(
  { targets: [{ id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } }] },
  '/tmp/freshet.config.yaml',
);

describe('PipelineQueue', () => {
  it('runs recipes in order, one at a time, writing the status after each', async () => {
    const events: string[] = [];
    let active = 0;
    const queue = new PipelineQueue(
      config,
      async (_config, options) => {
        active += 1;
        expect(active).toBe(1);
        events.push(`run ${options.recipes?.join(',')}`);
        await Promise.resolve();
        active -= 1;
      },
      async () => {
        events.push('status');
      },
    );
    expect(queue.enqueue('a')).toBe('started');
    expect(queue.enqueue('b')).toBe('queued');
    expect(queue.enqueue('b')).toBe('coalesced');
    await queue.whenIdle();
    expect(events).toEqual(['run a', 'status', 'run b', 'status']);
  });

  it('a failing run is logged and the next one still runs', async () => {
    const ran: string[] = [];
    const queue = new PipelineQueue(
      config,
      async (_config, options) => {
        ran.push(options.recipes![0]!);
        if (options.recipes![0] === 'bad') throw new Error('boom');
      },
      async () => undefined,
    );
    queue.enqueue('bad');
    queue.enqueue('good');
    await queue.whenIdle();
    expect(ran).toEqual(['bad', 'good']);
  });

  it('stop() cancels the running pipeline through its signal and drops waiting runs', async () => {
    const ran: string[] = [];
    const queue = new PipelineQueue(
      config,
      (_config, options) =>
        new Promise((resolve) => {
          ran.push(options.recipes![0]!);
          options.signal!.addEventListener('abort', () => resolve('cancelled'));
        }),
      async () => undefined,
    );
    queue.enqueue('slow');
    queue.enqueue('never');
    await queue.stop();
    expect(ran).toEqual(['slow']);
  });

  it('a new release goes before the rebuilds that wait; a waiting rebuild asked again for a release moves up', async () => {
    const ran: string[] = [];
    const queue = new PipelineQueue(
      config,
      async (_config, options) => {
        ran.push(options.recipes!.join('+'));
      },
      async () => undefined,
    );
    queue.enqueue('running', { priority: 'rebuild' });
    queue.enqueue('rebuild-a', { priority: 'rebuild' });
    queue.enqueue('rebuild-b', { priority: 'rebuild' });
    queue.enqueue('release-c', { priority: 'release' });
    expect(queue.enqueue('rebuild-b', { priority: 'release' })).toBe('coalesced');
    expect(queue.snapshot()).toEqual({ running: ['running'], waiting: ['release-c', 'rebuild-b', 'rebuild-a'] });
    await queue.whenIdle();
    // rebuild-b now waits as a release: the two releases go in one run, then the rebuild.
    expect(ran).toEqual(['running', 'release-c+rebuild-b', 'rebuild-a']);
  });

  it('scheduled runs plan from the state the scheduler just checked; a webhook joining one makes it ask upstream', async () => {
    const runs: Array<[string, boolean | undefined]> = [];
    const queue = new PipelineQueue(
      config,
      async (_config, options) => {
        runs.push([options.recipes!.join('+'), options.noWatch]);
      },
      async () => undefined,
    );
    queue.enqueue('first', { watch: false, trigger: 'schedule' });
    queue.enqueue('scheduled', { watch: false, trigger: 'schedule' });
    queue.enqueue('joined', { watch: false, trigger: 'schedule' });
    queue.enqueue('joined');
    await queue.whenIdle();
    expect(runs).toEqual([['first', true], ['scheduled', true], ['joined', undefined]]);
  });

  it('the recipes waiting with the same priority and watch go in one run, so their builds share the slots', async () => {
    const runs: string[][] = [];
    const queue = new PipelineQueue(
      config,
      async (_config, options) => {
        runs.push(options.recipes!);
      },
      async () => undefined,
    );
    queue.enqueue('first', { watch: false, trigger: 'schedule' });
    for (const recipe of ['b', 'c', 'd']) queue.enqueue(recipe, { watch: false, trigger: 'schedule' });
    queue.enqueue('hooked');
    await queue.whenIdle();
    expect(runs).toEqual([['first'], ['b', 'c', 'd'], ['hooked']]);
  });
});

