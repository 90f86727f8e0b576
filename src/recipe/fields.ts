import { z } from 'zod';

/**
 * Field types shared by recipes and config. Each refuses what could break out of the grammar the
 * value is rendered into (deb822, make, shell, rpm macros), so a bad recipe fails at lint time
 * with its field named, not later as a strange build.
 */
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export const singleLine = (max = 200) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !CONTROL_CHARS.test(value), 'must be one line without control characters')
    .refine((value) => value === value.trim(), 'must not start or end with spaces');

/** Free text over several lines (descriptions): no control characters but newlines, no `%`-macro surprises (escaped on render). */
export const paragraphText = z
  .string()
  .min(1)
  .max(4000)
  .refine((value) => !/[\u0000-\u0009\u000b-\u001f\u007f]/.test(value), 'must not contain control characters or tabs');

/** Install folders a build argument may name as `{libdir}`: filled per family (docs/adding-a-recipe.md). */
export const BUILD_PLACEHOLDERS = ['prefix', 'bindir', 'sbindir', 'libdir', 'libexecdir', 'includedir', 'datadir', 'mandir', 'docdir', 'sysconfdir', 'localstatedir'] as const;

/**
 * One argument for configure, cmake, meson or make: no shell, make or rpm metacharacters; `{libdir}`
 * and the other BUILD_PLACEHOLDERS become the family's folder (`/usr/lib/<multiarch>`, `%{_libdir}`).
 */
export const buildFlag = z
  .string()
  .min(1)
  .max(300)
  .regex(
    /^(?:[A-Za-z0-9_@+=:,./-]|\{[a-z]+\})(?:[A-Za-z0-9_@+=:,./ -]|\{[a-z]+\})*$/,
    'may only contain letters, digits, spaces, _@+=:,./- and {libdir}-style placeholders (no $, `, quotes, ;, |, &, <, >, %, #, newlines)',
  )
  .refine(
    (value) => [...value.matchAll(/\{([a-z]+)\}/g)].every((match) => (BUILD_PLACEHOLDERS as readonly string[]).includes(match[1]!)),
    `may only use the placeholders ${BUILD_PLACEHOLDERS.map((name) => `{${name}}`).join(', ')}`,
  );

/**
 * One argument of a smoke command. The gate hands it to the program as one argv entry (a
 * NUL-separated file read with `mapfile -d ''`), never through a shell, so quotes, backslashes,
 * `^` and `$` arrive literally. Control characters are refused: NUL cannot be in an argument, and
 * debian/tests/control writes each command on one line.
 */
export const smokeArg = z
  .string()
  .min(1)
  .max(1000)
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain NUL, newlines or other control characters');

/** An environment variable name. */
export const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an upper-case environment variable name');

/** A path relative to the install root, with `*` globs and `{libdir}`-style placeholders. */
export const installPath = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9_@+=:,.{}*-][A-Za-z0-9_@+=:,./{}*-]*$/, 'must be a relative path of letters, digits, _@+=:,.-, / and * globs')
  .refine((value) => !value.split('/').includes('..'), 'must not contain ..');

/** A file beside the recipe (patches, keys, extra files). */
export const recipeFile = z
  .string()
  .regex(/^[A-Za-z0-9_.-][A-Za-z0-9_./-]*$/, 'must be a relative path of letters, digits, _.- and /')
  .refine((value) => !value.split('/').includes('..'), 'must not contain ..');

/** Debian source/binary package name (Debian Policy 5.6.1); also valid for RPM. */
export const packageName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be lower-case letters, digits and +.- (Debian Policy 5.6.1), at least 2 characters')
  .max(100);

/** A dependency name from the shared map, or a package name. */
export const dependencyName = z.string().regex(/^[a-z0-9][a-z0-9+._-]*(:[a-z0-9-]+)?$/, 'must be a dependency name such as ncurses or pkg-config');

/**
 * A dependency as a recipe writes it: a name, optionally with one version constraint written once
 * for both families (`libgpg-error >= 1.56`); the map turns it into `libgpg-error-dev (>= 1.56)`
 * and `libgpg-error-devel >= 1.56`.
 */
export const dependencyRelation = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9+._-]*(:[a-z0-9-]+)?( (>=|<=|=|<<|>>) [0-9][A-Za-z0-9.+~]*)?$/,
    'must be a dependency name such as ncurses or pkg-config, optionally with one version constraint such as "libgpg-error >= 1.56"',
  );

export const httpUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !CONTROL_CHARS.test(value) && !/\s/.test(value);
    } catch {
      return false;
    }
  }, 'must be an http or https URL without spaces');

/** A URL template: `{url}` and `{version}` are filled in; no other braces. */
export const urlTemplate = z
  .string()
  .max(2000)
  .regex(/^[^\s{}]*(\{(url|version|name)\}[^\s{}]*)*$/, 'may contain {url}, {version} or {name} and no spaces');

/** A regular expression; it must compile and be one line. */
export const regexSource = z
  .string()
  .min(1)
  .max(500)
  .refine((value) => !CONTROL_CHARS.test(value), 'must be one line without control characters')
  .refine((value) => {
    try {
      new RegExp(value);
      return true;
    } catch {
      return false;
    }
  }, 'must be a valid regular expression');

/** A regular expression with exactly one capture group: the version. */
export const versionPattern = regexSource.refine(
  (value) => new RegExp(`${value}|`).exec('')!.length - 1 === 1,
  'must have exactly one capture group, (…), for the version',
);

export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in lower-case hex');
export const sha512Hex = z.string().regex(/^[0-9a-f]{128}$/, 'must be a sha512 in lower-case hex');

export const emailContact = z
  .string()
  .max(200)
  .regex(/^[^<>\n,]+ <[^<>\s@]+@[^<>\s@]+>$/, 'must look like "Full Name <email@example.org>"');

/** SPDX license expression (identifiers joined by AND, OR, WITH, parentheses). */
export const spdxExpression = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9.+()-]+( (AND|OR|WITH) [A-Za-z0-9.+()-]+)*$/, 'must be an SPDX license expression such as GPL-3.0-or-later');
