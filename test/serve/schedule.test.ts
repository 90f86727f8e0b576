import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';
import { durationMs } from '../../src/core/duration.js';
import type { PlannedAction } from '../../src/pipeline/plan.js';
import { Recipe } from '../../src/recipe/schema.js';
import { dueRecipes, jitterFactor, nextCheckAt, nextWake, runsFromPlan, suitesToResign } from '../../src/serve/schedule.js';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const settings = { intervalMs: 6 * HOUR, jitter: 0.1 };

const target = { id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } };

describe('the watch schedule', () => {
  it('a recipe never checked is due at once; otherwise one interval after its last check, moved by at most the jitter', () => {
    expect(nextCheckAt({ recipe: 'hello', lastCheckedAt: undefined }, settings)).toBeUndefined();
    const last = at('2026-01-01T00:00:00Z');
    expect(nextCheckAt({ recipe: 'hello', lastCheckedAt: last }, { ...settings, jitter: 0 })).toEqual(at('2026-01-01T06:00:00Z'));
    for (const recipe of ['hello', 'lua', 'pixman', 'cmocka', 'lynx']) {
      const next = nextCheckAt({ recipe, lastCheckedAt: last }, settings)!.getTime() - last.getTime();
      expect(next).toBeGreaterThanOrEqual(5.4 * HOUR);
      expect(next).toBeLessThan(6.6 * HOUR);
    }
  });

  it('the jitter is the same for the same recipe and check, and spreads different recipes', () => {
    const last = at('2026-01-01T00:00:00Z');
    expect(jitterFactor('hello', last)).toBe(jitterFactor('hello', last));
    const factors = new Set(['hello', 'lua', 'pixman', 'cmocka', 'lynx'].map((recipe) => jitterFactor(recipe, last)));
    expect(factors.size).toBe(5);
    for (const factor of factors) expect(Math.abs(factor)).toBeLessThanOrEqual(1);
  });

  it("a recipe's own watch.interval overrides the config's", () => {
    const last = at('2026-01-01T00:00:00Z');
    expect(nextCheckAt({ recipe: 'hello', lastCheckedAt: last, intervalMs: HOUR }, { ...settings, jitter: 0 })).toEqual(at('2026-01-01T01:00:00Z'));
  });

  it('due recipes: never checked first, then the longest overdue; the next wake-up is the earliest check to come', () => {
    const now = at('2026-01-01T12:00:00Z');
    const clocks = [
      { recipe: 'recent', lastCheckedAt: at('2026-01-01T11:00:00Z') },
      { recipe: 'overdue', lastCheckedAt: at('2026-01-01T05:00:00Z') },
      { recipe: 'long-overdue', lastCheckedAt: at('2026-01-01T01:00:00Z') },
      { recipe: 'new', lastCheckedAt: undefined },
      { recipe: 'hourly', lastCheckedAt: at('2026-01-01T11:30:00Z'), intervalMs: HOUR },
    ];
    const flat = { ...settings, jitter: 0 };
    expect(dueRecipes(clocks, flat, now)).toEqual(['new', 'long-overdue', 'overdue']);
    expect(nextWake(clocks, flat, now)).toEqual(at('2026-01-01T12:30:00Z'));
  });

  it('runs: one per recipe whatever its number of targets, new upstream releases before rebuilds', () => {
    const build = (recipe: string, targetId: string, upstreamVersion: string): PlannedAction => ({
      kind: 'build', recipe, targetId, upstreamVersion, packageVersion: `${upstreamVersion}-1`, rebuild: 1, inputsHash: 'x', why: '',
    });
    const live: Record<string, string> = { 'many\0t1': '1.0', 'many\0t2': '1.0', 'many\0t3': '1.0', 'rebuilt\0t1': '2.0', 'partly\0t1': '3.1' };
    const plan: PlannedAction[] = [
      ...['t1', 't2', 't3'].map((targetId) => build('many', targetId, '1.0')),
      build('rebuilt', 't1', '2.0'),
      build('fresh', 't1', '5.0'),
      build('partly', 't1', '3.1'),
      build('partly', 't2', '3.1'),
      { kind: 'up-to-date', recipe: 'idle', targetId: 't1', upstreamVersion: '1', packageVersion: '1-1' },
    ];
    expect(runsFromPlan(plan, (recipe, targetId) => live[`${recipe}\0${targetId}`])).toEqual([
      { recipe: 'fresh', priority: 'release' },
      { recipe: 'partly', priority: 'release' },
      { recipe: 'many', priority: 'rebuild' },
      { recipe: 'rebuilt', priority: 'rebuild' },
    ]);
  });

  it('suites are re-signed once less than the margin remains before Valid-Until, or when they have none', () => {
    const now = at('2026-01-10T00:00:00Z');
    const suites = [
      { suite: 'bookworm', validUntil: at('2026-01-15T00:00:00Z') },
      { suite: 'trixie', validUntil: at('2026-01-11T00:00:00Z') },
      { suite: 'sid', validUntil: undefined },
    ];
    expect(suitesToResign(suites, now, 48 * HOUR)).toEqual(['trixie', 'sid']);
  });
});

describe('schedule settings', () => {
  it('the config takes an interval, a jitter and a re-sign margin, with defaults; the margin stays under half the validity', () => {
    const defaults = resolveConfig(Config.parse({ targets: [target] }), '/tmp/freshet.config.yaml');
    expect(defaults.schedule).toEqual({ intervalMs: 6 * HOUR, jitter: 0.1, resignBeforeMs: 48 * HOUR });
    expect(defaults.keyWarningDays).toBe(30);
    const set = resolveConfig(
      Config.parse({ targets: [target], schedule: { interval: '90m', jitter: '25%', resignBefore: '3d' }, archiveInfo: { validDays: 2 }, signing: { expiryWarningDays: 60 } }),
      '/tmp/freshet.config.yaml',
    );
    expect(set.schedule).toEqual({ intervalMs: 1.5 * HOUR, jitter: 0.25, resignBeforeMs: 24 * HOUR });
    expect(set.keyWarningDays).toBe(60);
  });

  it.each([['6 hours'], ['6'], ['-1h'], ['h']])('refuses the interval %s', (interval) => {
    const parsed = Config.safeParse({ targets: [target], schedule: { interval } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['schedule', 'interval']);
  });

  it('refuses a jitter over 50%', () => {
    expect(Config.safeParse({ targets: [target], schedule: { jitter: '60%' } }).success).toBe(false);
    expect(Config.safeParse({ targets: [target], schedule: { jitter: '50.5%' } }).success).toBe(false);
    expect(Config.safeParse({ targets: [target], schedule: { jitter: '0%' } }).success).toBe(true);
  });

  it('durations in seconds, minutes, hours and days', () => {
    expect([durationMs('30s'), durationMs('15m'), durationMs('6h'), durationMs('1.5d')]).toEqual([30_000, 900_000, 6 * HOUR, 36 * HOUR]);
  });

  it('a recipe may set its own watch interval, and nothing else under watch', () => {
    const recipe = {
      name: 'hello', summary: 's', description: 'd', homepage: 'https://example.org/', license: 'MIT', copyright: ['2025 x'],
      upstream: { kind: 'html-index', url: 'https://example.org/', pattern: 'hello-(\\d+)\\.tar\\.gz' },
      build: { system: 'autotools' }, packages: [{ name: 'hello' }],
    };
    expect(Recipe.safeParse({ ...recipe, watch: { interval: '1h' } }).success).toBe(true);
    expect(Recipe.safeParse({ ...recipe, watch: { interval: 'hourly' } }).success).toBe(false);
    expect(Recipe.safeParse({ ...recipe, watch: { cron: '* * * * *' } }).success).toBe(false);
  });
});
