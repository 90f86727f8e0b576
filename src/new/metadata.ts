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

/** README paragraphs about the file or the tarball, not the program (GNU's all-permissive notice). */
const BOILERPLATE = /copying and distribution of this file|^this program is free software|permitted in any medium without royalty|^this is the (source code )?distribution of|^see the file|^please see/i;

/** The first prose paragraph of a README: no headings, badges, lists, code or version banners. */
export function readmeParagraph(text: string): string | undefined {
  const paragraphs = text.replace(/\r/g, '').split(/\n\s*\n/);
  for (const raw of paragraphs) {
    // RST directives and substitutions (`.. image::`, `|badge|`) are badges, not prose.
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
  }
  for (const pc of pkgConfigTemplates(tree, guess.projectName ?? nameHint)) {
    const text = tree.read(pc) ?? '';
    setSummary(/^Description:\s*([^@\n]+)$/m.exec(text)?.[1], pc);
    setHomepage(/^URL:\s*([^@\s]+)$/m.exec(text)?.[1], pc);
  }
  const readme = tree.files.find((file) => README.test(file));
  const paragraph = readme ? readmeParagraph(tree.read(readme) ?? '') : undefined;
  if (readme && paragraph) {
    setSummary(paragraph, readme);
    guess.description = { text: wrap(paragraph.slice(0, 1500)), from: readme };
  }
  const name = (guess.projectName ?? nameHint)?.toLowerCase();
  if (readme && name) {
    // A README that links to a page named after the project: its home page (invisible-island.net/mawk/).
    const link = [...(tree.read(readme) ?? '').matchAll(/https?:\/\/[^\s<>()"'\]]+/g)].map((match) => match[0].replace(/[.,]$/, '')).find((url) => new URL(url).pathname.toLowerCase().replace(/\/$/, '').endsWith(`/${name}`));
    if (link) guess.readmeHomepage = { url: link, from: readme };
  }
  return guess;
}
