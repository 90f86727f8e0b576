import { describe, expect, it } from 'vitest';
import { badge, stateColours, stateMessage, textWidth } from '../../src/report/badge.js';

describe('badges', () => {
  it('estimates wider text as wider, narrow letters as narrow', () => {
    expect(textWidth('')).toBe(0);
    expect(textWidth('iiii')).toBeLessThan(textWidth('mmmm'));
    expect(textWidth('2.12.3 | newest')).toBeGreaterThan(60);
    expect(textWidth('2.12.3 | newest')).toBeLessThan(100);
  });

  it('sizes the badge from both texts and colours it by state', () => {
    const svg = badge('hello', stateMessage('newest', '2.12.3'), stateColours.newest);
    const width = Number(/<svg[^>]* width="(\d+(?:\.\d+)?)"/.exec(svg)![1]);
    expect(width).toBe(textWidth('hello') + textWidth('2.12.3 | newest') + 24);
    expect(svg).toContain('fill="#2e7d32"');
    expect(svg).toContain('aria-label="hello: 2.12.3 | newest"');
    expect(svg).toContain('<title>hello: 2.12.3 | newest</title>');
  });

  it('case 30: escapes text', () => {
    const svg = badge('<x>&"', 'a\'b', stateColours.failed);
    expect(svg).toContain('&#60;x&#62;&#38;&#34;');
    expect(svg).not.toContain('<x>');
    expect(svg).toContain('a&#39;b');
  });

  it('without a version the message is the state alone', () => {
    expect(stateMessage('pending', null)).toBe('pending');
  });

  it('has a distinct colour for each state that needs attention', () => {
    const urgent = [stateColours.newest, stateColours.outdated, stateColours.failed, stateColours.pending, stateColours['distro-current']];
    expect(new Set(urgent).size).toBe(urgent.length);
  });
});
