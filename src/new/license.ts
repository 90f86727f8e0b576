/**
 * License files → SPDX, by a few phrases each license text always carries. A guess: the recipe
 * marks it for a human to confirm.
 */
export interface LicenseGuess {
  spdx: string;
  /** False when the text matched no fingerprint or the GPL variant (only / or-later) is a guess. */
  certain: boolean;
  file?: string;
  note?: string;
}

interface Fingerprint {
  id: string;
  all: RegExp[];
  none?: RegExp[];
}

// Order matters: the LGPL text mentions the GPL, BSD-3 is BSD-2 plus an endorsement clause.
const FINGERPRINTS: Fingerprint[] = [
  // The titles are matched in capitals: the GPL's own text names the Lesser GPL in lower case.
  { id: 'LGPL-3.0', all: [/GNU LESSER GENERAL PUBLIC LICENSE/, /Version 3, 29 June 2007/i] },
  { id: 'LGPL-2.1', all: [/GNU LESSER GENERAL PUBLIC LICENSE/, /Version 2\.1, February 1999/i] },
  { id: 'GPL-3.0', all: [/GNU GENERAL PUBLIC LICENSE/, /Version 3, 29 June 2007/i] },
  { id: 'GPL-2.0', all: [/GNU GENERAL PUBLIC LICENSE/, /Version 2, June 1991/i] },
  { id: 'Apache-2.0', all: [/Apache License/i, /Version 2\.0/i] },
  { id: 'MPL-2.0', all: [/Mozilla Public License,? [Vv]ersion 2\.0/] },
  { id: 'MIT', all: [/Permission is hereby granted, free of charge, to any person obtaining a copy/i] },
  { id: 'ISC', all: [/Permission to use, copy, modify, and(\/or)? distribute this software for any\s+purpose with or without fee is hereby granted/i] },
  { id: 'Zlib', all: [/provided ['‘]as-is['’], without any express or implied\s+warranty/i, /Altered source versions must be plainly marked/i] },
  { id: 'BSD-3-Clause', all: [/Redistribution and use in source and binary forms/i, /(endorse or promote|Neither the name)/i] },
  { id: 'BSD-2-Clause', all: [/Redistribution and use in source and binary forms/i] },
];

const LICENSE_FILE = /^(COPYING|LICEN[CS]E|COPYRIGHT|UNLICENSE)([._-].*)?$/i;

export function isLicenseFile(name: string): boolean {
  return LICENSE_FILE.test(name) && !/\.(c|h|py|sh)$/.test(name);
}

const squash = (text: string) => text.replace(/\s+/g, ' ');

export function fingerprintLicense(text: string): string | undefined {
  const flat = squash(text);
  return FINGERPRINTS.find((print) => print.all.every((pattern) => pattern.test(flat)))?.id;
}

const OR_LATER = /\(at your option\) any later version/i;
const GPL_HEADER = /GNU (Lesser |Library )?General Public License/i;

/**
 * `GPL-2.0` → `GPL-2.0-or-later` or `-only` from source-file headers: "or (at your option) any
 * later version" means or-later; a header naming the GPL without it means only. No header: a guess.
 */
export function gplVariant(id: string, headers: readonly string[]): { spdx: string; certain: boolean; note?: string } {
  if (!/GPL/.test(id)) return { spdx: id, certain: true };
  const naming = headers.filter((header) => GPL_HEADER.test(squash(header)));
  if (naming.some((header) => OR_LATER.test(squash(header)))) return { spdx: `${id}-or-later`, certain: true };
  if (naming.length > 0) return { spdx: `${id}-only`, certain: true, note: 'source headers name the GPL without "any later version"' };
  return { spdx: `${id}-or-later`, certain: false, note: 'no source header says whether later versions apply; or-later is a guess' };
}

/** The license of a tree from its license files' texts and a few source files' headers. */
export function guessLicense(files: ReadonlyArray<{ name: string; text: string }>, headers: readonly string[]): LicenseGuess {
  const found: Array<{ id: string; file: string }> = [];
  for (const file of files) {
    const id = fingerprintLicense(file.text);
    if (id && !found.some((entry) => entry.id === id)) found.push({ id, file: file.name });
  }
  const [first] = found;
  if (!first) {
    return {
      spdx: 'LicenseRef-unknown',
      certain: false,
      file: files[0]?.name,
      note: files.length ? `${files.map((file) => file.name).join(', ')} matched no known license text` : 'no license file found',
    };
  }
  // "under the terms of either the GNU General Public License or the Less License": a choice, not a mix.
  if (found.length > 1 && headers.some((header) => /\b(terms of )?either (the )?[^.]{0,80}licen[cs]e,? or (the )?|choose (either|between)|dual[- ]licen[cs]ed/i.test(squash(header)))) {
    const choices = found.map((entry) => gplVariant(entry.id, headers));
    return {
      spdx: choices.map((choice) => choice.spdx).join(' OR '),
      certain: choices.every((choice) => choice.certain),
      file: first.file,
      note: `a choice of licenses, stated in the source headers: ${found.map((entry) => `${entry.id} (${entry.file})`).join(', ')}`,
    };
  }
  const variant = gplVariant(first.id, headers);
  const extra = found.length > 1 ? `; other license texts: ${found.slice(1).map((entry) => `${entry.id} (${entry.file})`).join(', ')}` : '';
  return {
    spdx: variant.spdx,
    certain: variant.certain && found.length === 1,
    file: first.file,
    note: `from ${first.file}${variant.note ? `; ${variant.note}` : ''}${extra}`,
  };
}

/** `Copyright (c) 2009-2017 Dave Gamble and cJSON contributors` → `2009-2017 Dave Gamble and cJSON contributors`. */
export function copyrightLines(texts: readonly string[]): string[] {
  // One line per holder: the first one seen (usually the license file's).
  const lines = new Map<string, string>();
  for (const text of texts) {
    for (const match of text.matchAll(/^[\s*#/;-]*Copyright\s*(?:\(c\)|©)?\s*((?:\d{4}[\d\s,–-]*)[^\n]{2,150})$/gim)) {
      const line = match[1]!.replace(/\s+/g, ' ').replace(/[\s*/,]+$/, '').replace(/^(\(c\)|©)\s*/i, '').trim();
      const holder = line.replace(/^[\d\s,–-]+/, '').replace(/[.,]?\s*(Inc|Ltd)?\.?$/i, '').toLowerCase();
      if (line.length > 4 && holder && !/[<>]{2}|\$/.test(line) && !lines.has(holder)) lines.set(holder, line.slice(0, 200));
    }
  }
  return [...lines.values()].slice(0, 4);
}
