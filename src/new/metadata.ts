import { escapeRegex } from './archive-name.js';
import type { SourceTree } from './tree.js';

/** Summary, description and homepage, from the first source that has them; `from` names it. */
export interface MetadataGuess {
  summary?: { text: string; from: string };
  description?: { text: string; from: string };
  homepage?: { url: string; from: string };
  /** A README link to a page named after the project: weaker than the download URL's project page. */
  readmeHomepage?: { url: string; from: string };
  /** The project's own name for itself (AC_INIT's package, CMake/meson project()). */
  projectName?: string;
  /** An SPDX expression the build metadata states (meson project(license:), package.json, pyproject). */
  license?: { spdx: string; from: string };
}

/** AC_INIT([GNU gperf], [3.3], [bug-gperf@gnu.org], [gperf], [https://…]) → its arguments. */
export function acInitArgs(text: string): string[] {
  const match = /AC_INIT\(([^)]*)\)/.exec(text.replace(/^\s*dnl\b.*$/gm, ''));
  if (!match) return [];
  return match[1]!.split(',').map((arg) => arg.trim().replace(/^\[|\]$/g, '').trim());
}

/** Markdown or plain text → the words, without links, emphasis, badges or HTML. */
function plain(text: string): string {
  return text
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[*_`]{1,2}([^*_`]+)[*_`]{1,2}/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** README paragraphs about the file, the tarball or the license, not the program (GNU's all-permissive notice, less's license choice). */
const BOILERPLATE = /copying and distribution of this file|^this program is free software|permitted in any medium without royalty|^this is the (source code )?distribution of|^see the file|^please (see|report)|^(the )?GNU (Lesser )?General Public License|^you should build|under the terms of/i;

/** The first prose paragraph of a README: no headings, badges, lists, code or version banners. */
export function readmeParagraph(text: string): string | undefined {
  const paragraphs = text.replace(/\r/g, '').split(/\n\s*\n/);
  for (const raw of paragraphs) {
    // RST directives and substitutions (`.. image::`, `|badge|`) are badges, not prose.
    // A numbered list (less's "1. The GNU General Public License … or 2. The Less License") is not prose.
    if (/^\s*\d+[.)] /.test(raw.replace(/^\s*\n/, ''))) continue;
    const lines = raw.split('\n').filter((line) => !/^\s*(#|=+$|-+$|--|\[!\[|!\[|<|```|\* |- |\$|version \d|\.\. |\|)/i.test(line));
    const words = plain(lines.join(' '));
    // A paragraph that ends by introducing an indented example keeps the sentences before it.
    const prose = words.replace(/(^|[.!]\s)[^.!]*:$/, '$1').trim();
    if (prose.length >= 30 && /[a-z]{3}/.test(prose) && !/^(version|copyright)\b/i.test(prose) && !BOILERPLATE.test(prose)) return prose;
  }
  return undefined;
}

/** First sentence, without a leading article or trailing period, at most 80 characters. */
export function summaryOf(text: string): string {
  const sentences = text.split(/(?<=[a-z)][.!])\s+/);
  // "This is GNU gperf. It is a program that …": the first sentence only names the project.
  const chosen = sentences.find((candidate) => !/^this is [^.]{0,30}[.!]?$/i.test(candidate) && candidate.length >= 15) ?? sentences[0] ?? text;
  const sentence = chosen.replace(/[.!:]$/, '');
  let summary = sentence
    .replace(/^(?:\S+ )?(?:\([^)]*\) )?is (?:an? |the )?/i, '')
    .replace(/^it is (?:an? |the )?/i, '')
    .replace(/^\S+ --? /, '')
    .replace(/^(a|an|the) /i, '')
    .trim();
  if (summary.length > 80) {
    // Cut at a clause boundary rather than mid-phrase: "selector for the terminal, with …" → "selector for the terminal".
    const head = summary.slice(0, 80);
    const cut = Math.max(...[' with ', ' that ', ' which ', ', ', ' - '].map((mark) => head.lastIndexOf(mark)));
    summary = cut >= 20 ? head.slice(0, cut) : head.replace(/\s+\S*$/, '');
  }
  // Lower-case the first word unless it is a name or an acronym (GNU, JSON).
  return /^[A-Z][a-z]/.test(summary) ? summary.charAt(0).toLowerCase() + summary.slice(1) : summary;
}

/** Wrapped to 72 columns, as Debian descriptions are. */
export function wrap(text: string, width = 72): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return `${lines.join('\n')}\n`;
}

/** The .pc.in files near the top, the one named after the project first (libcjson before libcjson_utils). */
export function pkgConfigTemplates(tree: SourceTree, name: string | undefined): string[] {
  const base = (file: string) => file.split('/').pop()!.replace(/\.pc\.in$/, '').toLowerCase();
  const own = (file: string) => (name && [name.toLowerCase(), `lib${name.toLowerCase()}`].includes(base(file)) ? 0 : 1);
  return tree.files.filter((file) => /\.pc\.in$/.test(file) && file.split('/').length <= 3).sort((a, b) => own(a) - own(b) || a.length - b.length);
}


/** The text of an XML element without its tags and entities' most common forms. */
const xmlText = (text: string) => text.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();

/** AppStream metainfo: the untranslated `<summary>`, `<url type="homepage">` and `<project_license>`. */
export function appStreamMetadata(text: string): { summary?: string; homepage?: string; license?: string } {
  const untranslated = (tag: string) => [...text.matchAll(new RegExp(`<${tag}(\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].find((match) => !/xml:lang/.test(match[1] ?? ''))?.[2];
  const summary = untranslated('summary');
  const homepage = /<url\s+type=["']homepage["']\s*>([^<]+)<\/url>/.exec(text)?.[1]?.trim();
  const license = untranslated('project_license');
  return { summary: summary ? xmlText(summary) : undefined, homepage, license: license ? xmlText(license) : undefined };
}

/** package.json's description, homepage and license (a string; the old `{type}` object too). */
export function packageJsonMetadata(text: string): { summary?: string; homepage?: string; license?: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return {};
  }
  if (!data || typeof data !== 'object') return {};
  const record = data as Record<string, unknown>;
  const string = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
  const license = string(record.license) ?? string((record.license as Record<string, unknown> | undefined)?.type);
  return { summary: string(record.description), homepage: string(record.homepage), license };
}

/** The `key = "value"` pairs of one TOML table, enough for pyproject's [project] and [project.urls]. */
function tomlTable(text: string, table: string): Map<string, string> {
  const values = new Map<string, string>();
  let inside = false;
  for (const line of text.replace(/\r/g, '').split('\n')) {
    const header = /^\s*\[([^\]]+)\]\s*(#.*)?$/.exec(line);
    if (header) {
      inside = header[1]!.trim() === table;
      continue;
    }
    const pair = inside ? /^\s*("?)([\w.-]+)\1\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|\{\s*text\s*=\s*"([^"]*)"\s*\})/.exec(line) : null;
    if (pair) values.set(pair[2]!.toLowerCase(), pair[3] ?? pair[4] ?? pair[5] ?? '');
  }
  return values;
}

/** pyproject.toml's [project] description and license and its [project.urls] home page. */
export function pyprojectMetadata(text: string): { summary?: string; homepage?: string; license?: string } {
  const project = tomlTable(text, 'project');
  const urls = tomlTable(text, 'project.urls');
  const homepage = ['homepage', 'home', 'home-page', 'website', 'documentation', 'source', 'repository'].map((key) => urls.get(key)).find(Boolean);
  return { summary: project.get('description') || undefined, homepage, license: project.get('license') || undefined };
}

/** A license that reads as an SPDX expression (`LGPL-2.1-or-later`, `MIT OR Apache-2.0`), not prose. */
const SPDX_EXPRESSION = /^[A-Za-z0-9.+-]+( (AND|OR|WITH) [A-Za-z0-9.+-]+)*$/;

/** meson's `project(…, license: 'X')` or `license: ['A', 'B']` (each a choice of the project's). */
export function mesonLicense(text: string): string | undefined {
  const project = /project\(([\s\S]*?)\)\s*(\n|$)/.exec(text)?.[1];
  const value = project ? /license\s*:\s*(\[[^\]]*\]|'[^']*')/.exec(project)?.[1] : undefined;
  if (!value) return undefined;
  const names = [...value.matchAll(/'([^']+)'/g)].map((match) => match[1]!.trim());
  return names.length ? names.join(' AND ') : undefined;
}

/** roff lines → words: `.B Less` → `Less`, `.BR more (1),` → `more(1),`, `.Nm` → the program's name, escapes dropped. */
function roffText(lines: readonly string[], name: string): string {
  return lines
    .filter((line) => !/^\.\s*\\"/.test(line) && !/^'\\"/.test(line))
    .map((line) => {
      const macro = /^\.([A-Za-z]{1,2})\b\s*(.*)$/.exec(line);
      if (!macro) return line;
      if (macro[1] === 'Nm') return `${name}${macro[2] ? ` ${macro[2]}` : ''}`;
      if (/^(B|I|BR|BI|IR|IB|RB|RI|Fl|Ar|Cm|Xr|Em|Sy)$/.test(macro[1]!)) return macro[2]!.replace(/"/g, '').replace(/ \((\d)\)/, '($1)');
      return '';
    })
    .join(' ')
    .replace(/\\f[BIRP]|\\&|\\\(em/g, '')
    .replace(/\\-/g, '-')
    .replace(/\s+([,.;:])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The first paragraph of the man page's DESCRIPTION (less.nro: "Less is a program similar to more(1), …"). */
export function manPageDescription(tree: SourceTree, name: string): { text: string; from: string } | undefined {
  const page = [`${name}.1`, `${name}.1.in`, `${name}.in.1`, `${name}.nro`].map((manName) => tree.files.find((file) => file.split('/').pop() === manName)).find(Boolean);
  const lines = page ? (tree.read(page) ?? '').replace(/\r/g, '').split('\n') : [];
  const start = lines.findIndex((line) => /^\.S[Hh]\s+"?DESCRIPTION"?\s*$/.test(line));
  if (!page || start < 0) return undefined;
  const paragraph: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\.(S[Hh]|PP|LP|P|Pp|IP|TP|Bl|Ss)\b/.test(line)) break;
    paragraph.push(line);
  }
  const text = roffText(paragraph, name);
  return text.length >= 40 ? { text, from: `${page} (DESCRIPTION)` } : undefined;
}

/** The NAME line of the project's own man page: `less \\- opposite of more`, mdoc's `.Nd terminal multiplexer`. */
export function manPageSummary(tree: SourceTree, name: string): { text: string; from: string } | undefined {
  // Sources only: less's less.man is the formatted page, NAME overstruck with backspaces.
  const manNames = [`${name}.1`, `${name}.1.in`, `${name}.in.1`, `${name}.nro`];
  const page = manNames.map((manName) => tree.files.find((file) => file.split('/').pop() === manName)).find(Boolean);
  const text = page ? tree.read(page) : undefined;
  if (!page || !text) return undefined;
  const mdoc = /^\.Nd\s+(.+)$/m.exec(text)?.[1];
  const man = /^\.SH\s+"?NAME"?\s*\n(?:\.[a-z]{1,2}\b.*\n)*([^\n]+)/im.exec(text)?.[1];
  const line = mdoc ?? man?.replace(/^.*?\s\\?-\s+/, '');
  const cleaned = line?.replace(/\\f[BIRP]|\\\(em|\\-/g, (code) => (code === '\\-' ? '-' : '')).replace(/\\&/g, '').replace(/^"|"$/g, '').trim();
  return cleaned && cleaned.length >= 8 && !/^\.|\\/.test(cleaned) ? { text: cleaned, from: `${page} (NAME)` } : undefined;
}

const README = /^README(\.(md|markdown|rst|txt))?$/i;

export function detectMetadata(tree: SourceTree, nameHint?: string): MetadataGuess {
  const guess: MetadataGuess = {};
  const setSummary = (text: string | undefined, from: string) => {
    if (text && !guess.summary) guess.summary = { text: summaryOf(plain(text)), from };
  };
  const setHomepage = (url: string | undefined, from: string) => {
    if (url && /^https?:\/\/[^\s'"]+$/.test(url) && !guess.homepage) guess.homepage = { url, from };
  };

  const pkgInfo = tree.read('PKG-INFO');
  if (pkgInfo) {
    setSummary(/^Summary:\s*(.+)$/m.exec(pkgInfo)?.[1], 'PKG-INFO');
    setHomepage(/^Home-page:\s*(\S+)$/m.exec(pkgInfo)?.[1], 'PKG-INFO');
  }
  const setLicense = (spdx: string | undefined, from: string) => {
    if (spdx && SPDX_EXPRESSION.test(spdx) && !guess.license) guess.license = { spdx, from };
  };
  // Metadata written for software centres and registries says what the project is in one line.
  const appStreamFiles = tree.files.filter((name) => /\.(metainfo|appdata)\.xml(\.in)?$/.test(name)).sort((a, b) => a.length - b.length);
  const declared = [
    ...appStreamFiles.map((file) => ({ file, read: appStreamMetadata })),
    { file: 'package.json', read: packageJsonMetadata },
    { file: 'pyproject.toml', read: pyprojectMetadata },
  ];
  for (const { file, read } of declared) {
    const text = tree.read(file);
    if (!text) continue;
    const found = read(text);
    setSummary(found.summary, file);
    setHomepage(found.homepage, file);
    setLicense(found.license, file);
  }
  const configure = tree.read('configure.ac') ?? tree.read('configure.in');
  if (configure) {
    const args = acInitArgs(configure);
    setHomepage(args[4], 'configure.ac AC_INIT');
    if (args[3] || args[0]) guess.projectName = args[3] || args[0];
  }
  const cmake = tree.read('CMakeLists.txt');
  if (cmake) {
    const project = /project\(\s*([\w.+-]+)([^)]*)\)/i.exec(cmake);
    if (project) {
      guess.projectName ??= project[1];
      setSummary(/DESCRIPTION\s+"([^"]+)"/.exec(project[2]!)?.[1], 'CMakeLists.txt project()');
      setHomepage(/HOMEPAGE_URL\s+"([^"]+)"/.exec(project[2]!)?.[1], 'CMakeLists.txt project()');
    }
  }
  const meson = tree.read('meson.build');
  if (meson) {
    guess.projectName ??= /project\(\s*'([^']+)'/.exec(meson)?.[1];
    setSummary(/pkg\.generate\([\s\S]*?description\s*:\s*'([^']+)'/.exec(meson)?.[1], 'meson.build pkg.generate()');
    setLicense(mesonLicense(meson), 'meson.build project()');
  }
  for (const pc of pkgConfigTemplates(tree, guess.projectName ?? nameHint)) {
    const text = tree.read(pc) ?? '';
    setSummary(/^Description:\s*([^@\n]+)$/m.exec(text)?.[1], pc);
    setHomepage(/^URL:\s*([^@\s]+)$/m.exec(text)?.[1], pc);
  }
  // The program's own man page names it in a line (less: "opposite of more"); better than a README's first paragraph.
  const manNames = [...new Set([guess.projectName, nameHint].filter((value): value is string => !!value && /^[\w.+-]+$/.test(value)).map((value) => value.toLowerCase()))];
  const man = manNames.map((manName) => manPageSummary(tree, manName)).find(Boolean);
  if (man) setSummary(man.text, man.from);
  const readme = tree.files.find((file) => README.test(file));
  const paragraph = readme ? readmeParagraph(tree.read(readme) ?? '') : undefined;
  // A README paragraph describes the project only when it names it (not "The manual page is in less.man").
  const namesProject = (text: string) => manNames.length === 0 || manNames.some((manName) => new RegExp(`\\b${escapeRegex(manName)}\\b(?!\\.\\w)`, 'i').test(text));
  if (readme && paragraph && namesProject(paragraph)) {
    setSummary(paragraph, readme);
    guess.description = { text: wrap(paragraph.slice(0, 1500)), from: readme };
  }
  // No README paragraph about the program: the man page describes it (lintian refuses a description that only repeats the synopsis).
  const manDescription = guess.description ? undefined : manNames.map((manName) => manPageDescription(tree, manName)).find(Boolean);
  if (manDescription) guess.description = { text: wrap(manDescription.text.slice(0, 1500)), from: manDescription.from };
  const name = (guess.projectName ?? nameHint)?.toLowerCase();
  if (readme && name) {
    // A README that links to a page named after the project: its home page (invisible-island.net/mawk/).
    const link = [...(tree.read(readme) ?? '').matchAll(/https?:\/\/[^\s<>()"'\]]+/g)].map((match) => match[0].replace(/[.,]$/, '')).find((url) => new URL(url).pathname.toLowerCase().replace(/\/$/, '').endsWith(`/${name}`));
    if (link) guess.readmeHomepage = { url: link, from: readme };
  }
  return guess;
}
