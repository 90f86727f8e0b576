/**
 * SPDX identifiers as DEP-5 short names, and where Debian ships their full text
 * (/usr/share/common-licenses). Licenses without a common-licenses file carry their text inline
 * when freshet knows it (Expat), else a pointer to the upstream sources.
 */
interface LicenseInfo {
  dep5: string;
  /** /usr/share/common-licenses file, when Debian ships the text. */
  common?: string;
  /** Human name for the pointer sentence. */
  title?: string;
}

const LICENSES: Record<string, LicenseInfo> = {
  'GPL-1.0-or-later': { dep5: 'GPL-1+', common: 'GPL-1', title: 'GNU General Public License version 1' },
  'GPL-2.0-only': { dep5: 'GPL-2', common: 'GPL-2', title: 'GNU General Public License version 2' },
  'GPL-2.0-or-later': { dep5: 'GPL-2+', common: 'GPL-2', title: 'GNU General Public License version 2' },
  'GPL-3.0-only': { dep5: 'GPL-3', common: 'GPL-3', title: 'GNU General Public License version 3' },
  'GPL-3.0-or-later': { dep5: 'GPL-3+', common: 'GPL-3', title: 'GNU General Public License version 3' },
  'LGPL-2.0-only': { dep5: 'LGPL-2', common: 'LGPL-2', title: 'GNU Library General Public License version 2' },
  'LGPL-2.0-or-later': { dep5: 'LGPL-2+', common: 'LGPL-2', title: 'GNU Library General Public License version 2' },
  'LGPL-2.1-only': { dep5: 'LGPL-2.1', common: 'LGPL-2.1', title: 'GNU Lesser General Public License version 2.1' },
  'LGPL-2.1-or-later': { dep5: 'LGPL-2.1+', common: 'LGPL-2.1', title: 'GNU Lesser General Public License version 2.1' },
  'LGPL-3.0-only': { dep5: 'LGPL-3', common: 'LGPL-3', title: 'GNU Lesser General Public License version 3' },
  'LGPL-3.0-or-later': { dep5: 'LGPL-3+', common: 'LGPL-3', title: 'GNU Lesser General Public License version 3' },
  'Apache-2.0': { dep5: 'Apache-2.0', common: 'Apache-2.0', title: 'Apache License version 2.0' },
  'MPL-1.1': { dep5: 'MPL-1.1', common: 'MPL-1.1', title: 'Mozilla Public License version 1.1' },
  'MPL-2.0': { dep5: 'MPL-2.0', common: 'MPL-2.0', title: 'Mozilla Public License version 2.0' },
  'Artistic-1.0-Perl': { dep5: 'Artistic', common: 'Artistic', title: 'Artistic License' },
  'CC0-1.0': { dep5: 'CC0-1.0', common: 'CC0-1.0', title: 'Creative Commons CC0 1.0 Universal license' },
  MIT: { dep5: 'Expat' },
  'BSD-2-Clause': { dep5: 'BSD-2-clause' },
  'BSD-3-Clause': { dep5: 'BSD-3-clause' },
};

const EXPAT_TEXT = `Permission is hereby granted, free of charge, to any person obtaining a
copy of this software and associated documentation files (the "Software"),
to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included
in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.`;

export interface LicenseStanza {
  name: string;
  /** The stanza body: license text or a pointer to it, lines without the leading space. */
  text: string;
}

export interface Dep5License {
  /** The expression as DEP-5 writes it: `GPL-2+ or Expat`. */
  expression: string;
  stanzas: LicenseStanza[];
}

/** Fill words into lines of at most 72 characters, as Debian's own copyright files do. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > 72) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}

function stanzaText(spdx: string, info: LicenseInfo | undefined): string {
  if (info?.common) {
    const later = spdx.endsWith('-or-later') ? ', or (at your option) any later version' : '';
    return [
      wrap(`This package may be used under the terms of the ${info.title}${later}.`),
      '',
      wrap(`On Debian systems, the complete text of the ${info.title} can be found in "/usr/share/common-licenses/${info.common}".`),
    ].join('\n');
  }
  if (info?.dep5 === 'Expat') return EXPAT_TEXT;
  return wrap(`The complete text of the ${spdx} license is in the upstream source distribution.`);
}

/** Translate an SPDX expression (validated by the recipe schema) to DEP-5 with one stanza per license. */
export function dep5License(spdx: string): Dep5License {
  const tokens = spdx.replace(/([()])/g, ' $1 ').trim().split(/\s+/);
  const stanzas = new Map<string, LicenseStanza>();
  let afterWith = false;
  const words = tokens.map((token) => {
    if (token === '(' || token === ')') return token;
    if (token === 'AND' || token === 'OR') return token.toLowerCase();
    if (token === 'WITH') {
      afterWith = true;
      return 'with';
    }
    if (afterWith) {
      afterWith = false;
      return `${token} exception`;
    }
    const info = LICENSES[token] ?? LICENSES[token.replace(/\+$/, '-or-later')];
    const name = info?.dep5 ?? token;
    if (!stanzas.has(name)) stanzas.set(name, { name, text: stanzaText(token, info) });
    return name;
  });
  const expression = words.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
  return { expression, stanzas: [...stanzas.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}
