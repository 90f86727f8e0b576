import { describe, expect, it } from 'vitest';
import { dep5License } from '../../../src/generate/deb/licenses.js';

describe('dep5License', () => {
  it('maps SPDX names to DEP-5 and points at common-licenses', () => {
    const license = dep5License('GPL-2.0-or-later');
    expect(license.expression).toBe('GPL-2+');
    expect(license.stanzas[0]!.text).toContain('"/usr/share/common-licenses/GPL-2"');
    expect(license.stanzas[0]!.text).toContain('any later version');
  });

  it('writes expressions in DEP-5 syntax with one stanza per license, sorted', () => {
    const license = dep5License('(MIT OR Apache-2.0) AND BSD-3-Clause');
    expect(license.expression).toBe('(Expat or Apache-2.0) and BSD-3-clause');
    expect(license.stanzas.map((stanza) => stanza.name)).toEqual(['Apache-2.0', 'BSD-3-clause', 'Expat']);
    expect(license.stanzas[2]!.text).toContain('Permission is hereby granted, free of charge');
  });

  it('keeps every stanza line within 72 columns', () => {
    for (const stanza of dep5License('LGPL-2.1-or-later').stanzas) {
      for (const line of stanza.text.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
    }
  });
});
