/**
 * The only helpers templates may call (docs/templates.md lists them). Each one escapes or refuses
 * a value for the grammar it lands in; none returns an empty string for a missing value.
 */
export class HelperError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelperError';
  }
}

interface HelperOptions {
  name: string;
  ids?: unknown[];
  hash?: Record<string, unknown>;
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
const SAFE_SHELL_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** In a spec, a word with `%` is quoted too: a line that begins with `%` is never a command rpm runs as given. */
const SAFE_RPM_WORD = /^[A-Za-z0-9_@+=:,./-]+$/;

/** `deb822Value: field "summary"`, naming the field when Handlebars tracked it. */
function where(options: HelperOptions, index = 0): string {
  const id = options.ids?.[index];
  return typeof id === 'string' && id !== '' ? `${options.name}: field "${id}"` : options.name;
}

function splitArgs(args: unknown[]): { values: unknown[]; options: HelperOptions } {
  const options = args[args.length - 1] as HelperOptions;
  return { values: args.slice(0, -1), options };
}

function requireString(value: unknown, options: HelperOptions, index = 0): string {
  if (typeof value !== 'string') {
    throw new HelperError(`${where(options, index)}: expected text, got ${value === undefined ? 'nothing' : typeof value}`);
  }
  if (value.includes('\0') || /\r/.test(value)) throw new HelperError(`${where(options, index)}: contains NUL or carriage return`);
  return value;
}

function singleLine(value: unknown, options: HelperOptions, index = 0): string {
  const text = requireString(value, options, index);
  if (text.includes('\n') || CONTROL.test(text)) throw new HelperError(`${where(options, index)}: must be one line without control characters`);
  return text;
}

/** One deb822 field value: a single line that cannot start another field. */
function deb822Value(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  const text = singleLine(values[0], options).trim();
  if (text === '') throw new HelperError(`${where(options)}: is empty`);
  return text;
}

/**
 * A multi-line deb822 field: the first line stays on the field line, every further line is a
 * continuation indented by one space, and empty lines become ` .`. With two arguments the first is
 * the one-line synopsis and the second the body (Debian's Description).
 */
function deb822Text(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  let first: string;
  let rest: string[];
  if (values.length >= 2) {
    first = deb822Value(values[0], { ...options, ids: options.ids?.slice(0, 1) });
    rest = requireString(values[1], options, 1).split('\n');
  } else {
    const lines = requireString(values[0], options).split('\n');
    first = deb822Value(lines[0] ?? '', options);
    rest = lines.slice(1);
  }
  while (rest.length > 0 && rest[rest.length - 1]!.trim() === '') rest.pop();
  while (rest.length > 0 && rest[0]!.trim() === '') rest.shift();
  for (const line of rest) {
    if (CONTROL.test(line)) throw new HelperError(`${where(options, 1)}: contains control characters`);
  }
  const continuation = rest.map((line) => {
    const trimmed = line.trimEnd();
    // " ." is deb822's empty line and other " .x" lines are reserved: indent those one more.
    if (trimmed === '' || trimmed === '.') return ' .';
    return trimmed.startsWith('.') ? `  ${trimmed}` : ` ${trimmed}`;
  });
  return [first, ...continuation].join('\n');
}

/**
 * The install folders a build argument names as `{libdir}` (src/recipe/fields.ts), as debian/rules
 * text (make expands the multiarch folder) and as rpm macros. Filled after escaping, so the make
 * and macro syntax freshet puts in is the only one that reaches make or rpm.
 */
const DEB_BUILD_DIRS: Record<string, string> = {
  prefix: '/usr',
  bindir: '/usr/bin',
  sbindir: '/usr/sbin',
  libdir: '/usr/lib/$(shell dpkg-architecture -qDEB_HOST_MULTIARCH)',
  libexecdir: '/usr/libexec',
  includedir: '/usr/include',
  datadir: '/usr/share',
  mandir: '/usr/share/man',
  docdir: '/usr/share/doc',
  sysconfdir: '/etc',
  localstatedir: '/var',
};
const RPM_BUILD_DIRS: Record<string, string> = {
  prefix: '%{_prefix}',
  bindir: '%{_bindir}',
  sbindir: '%{_sbindir}',
  libdir: '%{_libdir}',
  libexecdir: '%{_libexecdir}',
  includedir: '%{_includedir}',
  datadir: '%{_datadir}',
  mandir: '%{_mandir}',
  docdir: '%{_docdir}',
  sysconfdir: '%{_sysconfdir}',
  localstatedir: '%{_localstatedir}',
};

function fillDirs(text: string, dirs: Record<string, string>, options: HelperOptions): string {
  // `%{name}` is an escaped rpm macro the value itself held (`%%{name}`), never a placeholder.
  return text.replace(/(?<!%)\{([a-z]+)\}/g, (placeholder, name: string) => {
    const dir = dirs[name];
    if (dir === undefined) throw new HelperError(`${where(options)}: unknown placeholder ${placeholder}`);
    return dir;
  });
}

function shellQuote(text: string, safe = SAFE_SHELL_WORD): string {
  return safe.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** One shell word: quoted unless made only of safe characters; a newline is refused. */
function shellArg(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  return shellQuote(singleLine(values[0], options));
}

/** One shell word inside a make recipe: shell-quoted, then `$` doubled so make passes it through. */
function makeArg(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  return fillDirs(shellQuote(singleLine(values[0], options)).replaceAll('$', '$$$$'), DEB_BUILD_DIRS, options);
}

function argumentList(value: unknown, options: HelperOptions): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new HelperError(`${where(options)}: expected a non-empty list of arguments`);
  return value.map((item, index) => singleLine(item, { ...options, ids: [`${String(options.ids?.[0] ?? 'command')}[${index}]`] }));
}

/** A command (argument array) as one shell line; each argument quoted as needed. */
function shellCommand(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  return argumentList(values[0], options)
    .map((arg) => shellQuote(arg))
    .join(' ');
}

/** A command (argument array) as one make recipe line. */
function makeCommand(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  return argumentList(values[0], options)
    .map((arg) => fillDirs(shellQuote(arg).replaceAll('$', '$$$$'), DEB_BUILD_DIRS, options))
    .join(' ');
}

/** The value of a make variable assignment (`export NAME = value`): one line, `$` doubled, no `#`, no leading blank. */
function makeValue(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  const text = singleLine(values[0], options);
  if (text.includes('#')) throw new HelperError(`${where(options)}: "#" would start a make comment`);
  if (text.endsWith('\\')) throw new HelperError(`${where(options)}: a trailing backslash would continue the line`);
  if (/^[ \t]/.test(text)) throw new HelperError(`${where(options)}: make would drop its leading blanks`);
  return fillDirs(text.replaceAll('$', '$$$$'), DEB_BUILD_DIRS, options);
}

/** Join a list of one-line strings with a separator (default ", "). */
function join(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  const [list, separator = ', '] = values;
  if (!Array.isArray(list)) throw new HelperError(`${where(options)}: expected a list`);
  if (typeof separator !== 'string') throw new HelperError(`${options.name}: separator must be text`);
  return list.map((item, index) => singleLine(item, { ...options, ids: [`${String(options.ids?.[0] ?? 'list')}[${index}]`] })).join(separator);
}

/**
 * A deb822 field holding several one-line items, one per continuation line:
 * `{{deb822List depends}}` gives `a,\n b`; `separator=""` gives plain lines (Copyright).
 */
function deb822List(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  const [list] = values;
  const separator = options.hash?.separator ?? ',';
  if (typeof separator !== 'string' || /[\n\r]/.test(separator)) throw new HelperError(`${options.name}: separator must be one line`);
  if (!Array.isArray(list) || list.length === 0) throw new HelperError(`${where(options)}: expected a non-empty list`);
  return list
    .map((item, index) => deb822Value(item, { ...options, ids: [`${String(options.ids?.[0] ?? 'list')}[${index}]`] }))
    .join(`${separator}\n `);
}

/** Text for rpm's macro language: `%` doubled, so rpm expands nothing a recipe wrote. */
function rpmEscape(text: string): string {
  return text.replaceAll('%', '%%');
}

/** One spec tag value (`Summary:`, `Requires:`) or %changelog line: one line, `%` escaped. */
function rpmValue(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  const text = singleLine(values[0], options).trim();
  if (text === '') throw new HelperError(`${where(options)}: is empty`);
  return rpmEscape(text);
}

/**
 * rpm (4.18) decides whether a spec line opens a section (`%post`), is a conditional (`%if`),
 * an `%include` or a comment (`#`) after expanding its macros, so `%%post` still opens a section.
 * No escaping can keep such a line literal: it gets a leading no-break space, which rpm does not
 * skip as blank, and the rest of the line reads back as written.
 */
const RPM_DIRECTIVE_LINE = /^[ \t]*[%#]/;
export const RPM_LINE_GUARD = '\u00a0';

/**
 * A `%description` body: `%` escaped on every line, lines rpm would read as a directive guarded,
 * surrounding empty lines dropped, control characters refused.
 */
function rpmText(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  const lines = requireString(values[0], options).split('\n').map((line) => line.trimEnd());
  for (const line of lines) {
    if (CONTROL.test(line)) throw new HelperError(`${where(options)}: contains control characters`);
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  while (lines.length > 0 && lines[0] === '') lines.shift();
  if (lines.length === 0) throw new HelperError(`${where(options)}: is empty`);
  return lines.map((line) => (RPM_DIRECTIVE_LINE.test(line) ? RPM_LINE_GUARD : '') + rpmEscape(line)).join('\n');
}

/** One shell word in a spec's build section: quoted if it holds `%` or shell metacharacters, then `%` doubled. */
function rpmArg(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  return fillDirs(rpmEscape(shellQuote(singleLine(values[0], options), SAFE_RPM_WORD)), RPM_BUILD_DIRS, options);
}

/** A command (argument array) as one shell line of a spec's build section. */
function rpmCommand(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  return argumentList(values[0], options)
    .map((arg) => fillDirs(rpmEscape(shellQuote(arg, SAFE_RPM_WORD)), RPM_BUILD_DIRS, options))
    .join(' ');
}

/**
 * A `%files` entry made by freshet from a recipe path: the only `%` allowed is a directory macro
 * such as `%{_libdir}` that freshet put in for a placeholder.
 */
function rpmFileEntry(...args: unknown[]): string {
  const { values, options } = splitArgs(args);
  const text = singleLine(values[0], options);
  const withoutMacros = text.replace(/%\{_[a-z]+\}/g, '');
  if (!/^[A-Za-z0-9_@+=:,./*-]*$/.test(withoutMacros) || !(text.startsWith('/') || text.startsWith('%{_'))) {
    throw new HelperError(`${where(options)}: not a file path with directory macros: ${JSON.stringify(text)}`);
  }
  return text;
}

/** Strict equality, for `{{#if (eq build.system "cmake")}}`. */
function eq(...args: unknown[]): boolean {
  const { values } = splitArgs(args);
  return values[0] === values[1];
}

export const helpers = {
  deb822Value,
  deb822Text,
  deb822List,
  shellArg,
  makeArg,
  shellCommand,
  makeCommand,
  makeValue,
  join,
  eq,
  rpmValue,
  rpmText,
  rpmArg,
  rpmCommand,
  rpmFileEntry,
} as const;
