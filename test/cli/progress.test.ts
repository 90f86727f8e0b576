import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/progress.js';

describe('Progress', () => {
  it('prints one plain line per state change when not on a terminal', () => {
    let text = '';
    const progress = new Progress({ live: false, write: (chunk) => (text += chunk) });
    progress.start();
    progress.add('a', 'hello debian-12');
    progress.update('a', 'running', 'build');
    progress.update('a', 'running', 'build');
    progress.update('a', 'ok');
    progress.stop();
    expect(text.trim().split('\n')).toEqual(['hello debian-12: running (build)', expect.stringMatching(/^hello debian-12: ok in \d+s$/)]);
    expect(progress.counts()).toMatchObject({ ok: 1, running: 0 });
  });

  it('redraws a table in place on a terminal', () => {
    let text = '';
    const progress = new Progress({ live: true, write: (chunk) => (text += chunk) });
    progress.add('a', 'hello debian-12');
    progress.add('b', 'hello debian-13');
    progress.update('b', 'failed', 'lintian');
    expect(text).toContain('\u001b[2F');
    expect(text).toMatch(/✗ hello debian-13\s+failed .* lintian/);
  });
});
