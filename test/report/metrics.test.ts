import { afterAll, describe, expect, it } from 'vitest';
import { collectMetrics, escapeLabelValue, formatMetrics } from '../../src/report/metrics.js';
import { statusDocument } from '../../src/report/model.js';
import { makeFixture, NOW } from './fixture.js';

const fixture = makeFixture();
afterAll(() => fixture.state.close());
const doc = statusDocument(fixture.config, fixture.recipes, fixture.state, { now: NOW, fingerprint: null });
const text = formatMetrics(collectMetrics(doc, fixture.state, { webhooks: new Map([['accepted', 2]]) }));
const lines = text.trimEnd().split('\n');

describe('metrics', () => {
  it('gives each family exactly one HELP and one TYPE line, before its samples', () => {
    const names = new Set(lines.filter((line) => !line.startsWith('#')).map((line) => /^([a-z_]+)/.exec(line)![1]!));
    for (const name of names) {
      const help = lines.findIndex((line) => line.startsWith(`# HELP ${name} `));
      const type = lines.findIndex((line) => line.startsWith(`# TYPE ${name} `));
      const first = lines.findIndex((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
      expect(lines.filter((line) => line.startsWith(`# HELP ${name} `)), name).toHaveLength(1);
      expect(help, name).toBeGreaterThanOrEqual(0);
      expect(type).toBe(help + 1);
      expect(first).toBeGreaterThan(type);
    }
    expect(text.endsWith('\n')).toBe(true);
  });

  it('counts builds by recipe, target and status', () => {
    expect(lines).toContain('# TYPE freshet_builds_total counter');
    expect(lines).toContain('freshet_builds_total{recipe="hello",target="debian-12",status="ok"} 2');
    expect(lines).toContain('freshet_builds_total{recipe="frob",target="debian-12",status="failed"} 1');
    expect(lines).toContain('freshet_build_failures_total{recipe="frob",target="debian-12"} 1');
  });

  it('reports lag, last publish time and upstream check failures', () => {
    expect(lines).toContain('# TYPE freshet_freshness_lag_seconds gauge');
    expect(lines).toContain('freshet_freshness_lag_seconds{recipe="hello",target="debian-12"} 9000');
    expect(lines).toContain('freshet_freshness_lag_seconds{recipe="frob",target="debian-12"} 172800');
    expect(lines).toContain('freshet_freshness_lag_ongoing{recipe="frob",target="debian-12"} 1');
    expect(lines).toContain(`freshet_last_publish_timestamp_seconds{recipe="hello",target="debian-12"} ${Date.parse('2025-05-01T02:30:00Z') / 1000}`);
    expect(lines).toContain('freshet_upstream_check_failures{recipe="frob"} 1');
    expect(lines).toContain('freshet_upstream_check_failures{recipe="hello"} 0');
    expect(lines).toContain('freshet_package_state{recipe="frob",target="debian-13",state="pending"} 1');
    expect(lines).toContain('freshet_webhook_requests_total{result="accepted"} 2');
  });

  it('every sample line has the exposition format', () => {
    for (const line of lines.filter((entry) => !entry.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+(\{([a-z_]+="([^"\\\n]|\\.)*",?)+\})? -?[0-9.e+]+$/);
    }
  });

  it('case 30: escapes label values', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });
});
