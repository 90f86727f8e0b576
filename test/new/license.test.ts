import { describe, expect, it } from 'vitest';
import { copyrightLines, fingerprintLicense, guessLicense } from '../../src/new/license.js';

const GPL3 = 'GNU GENERAL PUBLIC LICENSE\n Version 3, 29 June 2007\n ... use the GNU Lesser General Public License instead of this License.';
const LGPL21 = 'GNU LESSER GENERAL PUBLIC LICENSE\n Version 2.1, February 1999';
const MIT = 'Copyright (c) 2014 Jane Doe\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software';
const BSD3 = 'Copyright (c) 2009, Ben Hoyt\nRedistribution and use in source and binary forms, with or without\nmodification ... Neither the name of the copyright holder nor the names';
const BSD2 = 'Redistribution and use in source and binary forms, with or without modification, are permitted';
const ZLIB = "This software is provided 'as-is', without any express or implied\nwarranty. ... 2. Altered source versions must be plainly marked as such";
const ISC = 'Permission to use, copy, modify, and/or distribute this software for any\npurpose with or without fee is hereby granted';

describe('fingerprintLicense', () => {
  it.each([
    [GPL3, 'GPL-3.0'],
    [LGPL21, 'LGPL-2.1'],
    [MIT, 'MIT'],
    [BSD3, 'BSD-3-Clause'],
    [BSD2, 'BSD-2-Clause'],
    [ZLIB, 'Zlib'],
    [ISC, 'ISC'],
    ['Apache License\n Version 2.0, January 2004', 'Apache-2.0'],
    ['Mozilla Public License Version 2.0', 'MPL-2.0'],
  ])('%#: %s', (text, id) => {
    expect(fingerprintLicense(text)).toBe(id);
  });
});

describe('guessLicense', () => {
  it('is GPL or-later when a source header says "any later version"', () => {
    const header = '/* This program is free software: under the GNU General Public License as published by the FSF, either version 3 of the License, or\n * (at your option) any later version. */';
    expect(guessLicense([{ name: 'COPYING', text: GPL3 }], [header])).toMatchObject({ spdx: 'GPL-3.0-or-later', certain: true });
  });

  it('is GPL only when headers name the GPL without later versions', () => {
    const header = '/* distributed under the terms of the GNU General Public License, version 2, 1991. */';
    expect(guessLicense([{ name: 'COPYING', text: 'GNU GENERAL PUBLIC LICENSE\nVersion 2, June 1991' }], [header])).toMatchObject({ spdx: 'GPL-2.0-only', certain: true });
  });

  it('marks a GPL without headers, and an unknown text, as uncertain', () => {
    expect(guessLicense([{ name: 'COPYING', text: GPL3 }], [])).toMatchObject({ spdx: 'GPL-3.0-or-later', certain: false });
    expect(guessLicense([{ name: 'LICENSE', text: 'Do what you like.' }], [])).toMatchObject({ spdx: 'LicenseRef-unknown', certain: false });
  });
});

describe('copyrightLines', () => {
  it('takes the year and holder, once per holder', () => {
    expect(copyrightLines([MIT, ' * Copyright (C) 2014-2020 Jane Doe\n', BSD3])).toEqual(['2014 Jane Doe', '2009, Ben Hoyt']);
  });
});
