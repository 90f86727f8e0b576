import { describe, expect, it } from 'vitest';
import { HelperError, helpers, RPM_LINE_GUARD } from '../../src/generate/helpers.js';

/** Helpers are called the way Handlebars calls them: values, then an options object. */
const options = (name: string, ids: unknown[] = [], hash: Record<string, unknown> = {}) => ({ name, ids, hash });
const call = (name: keyof typeof helpers, ...values: unknown[]) =>
  (helpers[name] as (...args: unknown[]) => unknown)(...values, options(name, values.map((_, i) => `arg${i}`)));

describe('case 15: deb822Value', () => {
  it('passes one line through', () => expect(call('deb822Value', 'hello world')).toBe('hello world'));
  it.each([
    ['a\nDepends: evil', 'must be one line without control characters'],
    ['a\rb', 'contains NUL or carriage return'],
    ['tab\u0001', 'must be one line without control characters'],
    ['', 'is empty'],
  ])('refuses %j, naming the field', (value, reason) => {
    expect(() => call('deb822Value', value)).toThrow(HelperError);
    expect(() => call('deb822Value', value)).toThrow(`deb822Value: field "arg0": ${reason}`);
  });
  it('names the field of a missing value', () => {
    expect(() => call('deb822Value', undefined)).toThrow(/field "arg0": expected text, got nothing/);
  });
});

describe('deb822Text', () => {
  it('indents continuation lines and marks empty ones with " ."', () => {
    expect(call('deb822Text', 'synopsis', 'first\n\nsecond\n')).toBe('synopsis\n first\n .\n second');
  });
  it('turns a line that looks like a field into a continuation line', () => {
    expect(call('deb822Text', 'synopsis', 'text\nDepends: evil\n\nPackage: x')).toBe('synopsis\n text\n Depends: evil\n .\n Package: x');
  });
  it('reads a lone "." as the empty-line marker it is', () => {
    expect(call('deb822Text', 'synopsis', 'a\n.\nb')).toBe('synopsis\n a\n .\n b');
  });
  it('indents a line starting with "." once more, as " .x" lines are reserved', () => {
    expect(call('deb822Text', 'synopsis', '.hidden\n. dot')).toBe('synopsis\n  .hidden\n  . dot');
  });
  it('refuses a newline in the synopsis', () => {
    expect(() => call('deb822Text', 'one\nPackage: evil', 'body')).toThrow(/must be one line/);
  });
  it('with one argument keeps its first line on the field line', () => {
    expect(call('deb822Text', 'GPL-3+\nsome text')).toBe('GPL-3+\n some text');
  });
});

describe('deb822List', () => {
  it('puts each item on its own continuation line', () => {
    expect(call('deb822List', ['a', 'b (>= 1)'])).toBe('a,\n b (>= 1)');
  });
  it('refuses an item with a newline', () => {
    expect(() => call('deb822List', ['a', 'b\nPackage: x'])).toThrow(/field "arg0\[1\]"/);
  });
});

describe('case 15: shell and make quoting', () => {
  it('leaves plain words alone and single-quotes the rest', () => {
    expect(call('shellArg', '--prefix=/usr')).toBe('--prefix=/usr');
    expect(call('shellArg', "it's $HOME `id`")).toBe(`'it'\\''s $HOME \`id\`'`);
  });
  it('doubles $ for make after quoting, so make hands the shell a literal', () => {
    expect(call('makeArg', '$(shell id)`id`')).toBe("'$$(shell id)`id`'");
  });
  it('refuses a newline, which would end the make recipe line', () => {
    expect(() => call('makeArg', 'a\nrm -rf /')).toThrow(HelperError);
    expect(() => call('makeArg', 'a\nrm -rf /')).toThrow('makeArg: field "arg0": must be one line without control characters');
    expect(() => call('shellCommand', ['echo', 'a\nb'])).toThrow(/arg0\[1\]/);
  });
  it('quotes each argument of a command', () => {
    expect(call('makeCommand', ['printf', '%s', 'a b', '$x'])).toBe("printf %s 'a b' '$$x'");
  });
  it('makeValue doubles $ and refuses make comments and continuations', () => {
    expect(call('makeValue', '-O2 $x')).toBe('-O2 $$x');
    expect(() => call('makeValue', 'a # b')).toThrow(/comment/);
    expect(() => call('makeValue', 'a\\')).toThrow(/backslash/);
    expect(() => call('makeValue', ' a')).toThrow(/leading blanks/);
  });
});

describe('rpm helpers', () => {
  it('case 34: rpmText guards a line whose first non-blank character is % or #, and escapes % everywhere', () => {
    expect(call('rpmText', 'ok 100%\n%post\n\t#x\n%%if')).toBe(`ok 100%%\n${RPM_LINE_GUARD}%%post\n${RPM_LINE_GUARD}\t#x\n${RPM_LINE_GUARD}%%%%if`);
  });
  it('case 34: rpmArg quotes a word holding %, which shellArg leaves bare', () => {
    expect(call('shellArg', '%post')).toBe('%post');
    expect(call('rpmArg', '%post')).toBe("'%%post'");
    expect(call('rpmCommand', ['make', 'V=1', '%{lua:x}'])).toBe("make V=1 '%%{lua:x}'");
  });
});

describe('install folder placeholders in build arguments', () => {
  it('fills {libdir} and friends after escaping: make text on Debian, rpm macros in a spec', () => {
    expect(call('makeCommand', ['--libdir={libdir}', 'BINDIR={bindir}'])).toBe("'--libdir=/usr/lib/$(shell dpkg-architecture -qDEB_HOST_MULTIARCH)' 'BINDIR=/usr/bin'");
    expect(call('makeValue', '-L{libdir}')).toBe('-L/usr/lib/$(shell dpkg-architecture -qDEB_HOST_MULTIARCH)');
    expect(call('rpmCommand', ['--libdir={libdir}', 'V=1'])).toBe("'--libdir=%{_libdir}' V=1");
    // A macro the recipe wrote stays escaped and is never taken for a placeholder.
    expect(call('rpmCommand', ['%{libdir}'])).toBe("'%%{libdir}'");
    expect(() => call('makeCommand', ['{nodir}'])).toThrow(HelperError);
  });
});

describe('join and eq', () => {
  it('joins one-line items', () => expect(call('join', ['a', 'b'], ' ')).toBe('a b'));
  it('refuses a non-list', () => expect(() => call('join', 'a')).toThrow(/expected a list/));
  it('compares strictly', () => {
    expect(call('eq', 'cmake', 'cmake')).toBe(true);
    expect(call('eq', '1', 1)).toBe(false);
  });
});
