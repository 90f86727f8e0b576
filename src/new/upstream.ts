import type { Upstream } from '../recipe/schema.js';
import { escapeRegex, parseArchiveName, versionShape } from './archive-name.js';

/** What a release URL says about the project: its upstream kind, name and version. */
export interface UpstreamGuess {
  upstream: Upstream;
  /** Project name as upstream spells it (`cJSON`). */
  name: string;
  version: string;
  homepage?: string;
  /** Why freshet chose this, for a comment in the recipe. */
  notes: string[];
}

function lastSegment(url: URL): string {
  return decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
}

/** Tag → version the way the github kind reads it; a prefix other than `v` needs a tagPattern. */
function tagVersion(tag: string): { version: string; tagPattern?: string } | undefined {
  const match = /^([A-Za-z_.-]*?)(\d[A-Za-z0-9.+~_-]*)$/.exec(tag);
  if (!match) return undefined;
  const prefix = match[1]!;
  if (prefix === '' || prefix === 'v') return { version: match[2]! };
  return { version: match[2]!, tagPattern: `${escapeRegex(prefix)}(\\d.*)` };
}

function github(url: URL): UpstreamGuess | undefined {
  // /owner/repo/archive/refs/tags/TAG.tar.gz, /owner/repo/archive/TAG.tar.gz, /owner/repo/releases/download/TAG/FILE
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [owner, repo, section] = parts;
  if (!owner || !repo) return undefined;
  const homepage = `https://github.com/${owner}/${repo}`;
  if (section === 'archive') {
    const file = parts.at(-1)!;
    const tag = file.replace(/\.(tar\.gz|zip)$/, '');
    const found = tagVersion(tag);
    if (!found) return undefined;
    // The API's tarball_url has no file extension (lint refuses use: tags); the tags page links each
    // tag's archive under a real file name, newest first.
    const prefix = tag.slice(0, tag.length - found.version.length);
    return {
      upstream: { kind: 'html-index', url: `https://github.com/${owner}/${repo}/tags`, pattern: `${escapeRegex(prefix)}(\\d[\\d.]*)\\.tar\\.gz` },
      name: repo,
      version: found.version,
      homepage,
      notes: [
        `no release of github.com/${owner}/${repo} has a tarball asset (or api.github.com was not reachable): watching the tags page for tag archives; they lack a generated configure, so an autotools project needs build.autoreconf`,
      ],
    };
  }
  if (section === 'releases' && parts[3] === 'download' && parts.length >= 6) {
    const tag = parts[4]!;
    const file = parts.at(-1)!;
    const found = tagVersion(tag);
    const parsed = parseArchiveName(file);
    if (!found) return undefined;
    const asset = parsed ? file.replace(parsed.version, '__V__') : file;
    return {
      upstream: {
        kind: 'github',
        repo: `${owner}/${repo}`,
        asset: escapeRegex(asset).replace('__V__', '.+'),
        ...(found.tagPattern ? { tagPattern: found.tagPattern } : {}),
      },
      name: repo,
      version: found.version,
      homepage,
      notes: [`the URL is a release asset of github.com/${owner}/${repo}: watching its releases for a matching asset`],
    };
  }
  return undefined;
}

function npm(url: URL): UpstreamGuess | undefined {
  // /pkg/-/pkg-1.0.0.tgz or /@scope/pkg/-/pkg-1.0.0.tgz
  const match = /^\/((?:@[^/]+\/)?[^/]+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(url.pathname);
  if (!match) return undefined;
  const name = decodeURIComponent(match[1]!);
  return { upstream: { kind: 'npm', package: name }, name: name.replace(/^@[^/]+\//, ''), version: match[2]!, homepage: `https://www.npmjs.com/package/${name}`, notes: [] };
}

function pypi(url: URL): UpstreamGuess | undefined {
  const parsed = parseArchiveName(lastSegment(url));
  if (!parsed) return undefined;
  return {
    upstream: { kind: 'pypi', project: parsed.name },
    name: parsed.name,
    version: parsed.version,
    homepage: `https://pypi.org/project/${parsed.name}/`,
    notes: [],
  };
}

/** A tarball in a folder: watch the folder as an index page, matching files named like this one. */
function htmlIndex(url: URL, name: string | undefined): UpstreamGuess | undefined {
  const file = lastSegment(url);
  const parsed = parseArchiveName(file);
  if (!parsed) return undefined;
  const projectName = name ?? parsed.name;
  const prefix = file.slice(0, file.length - parsed.extension.length - parsed.version.length);
  const shape = versionShape(parsed.version);
  const folder = new URL('.', url).href;
  const gnu = /^\/gnu\/([^/]+)\/$/.exec(new URL(folder).pathname);
  return {
    upstream: {
      kind: 'html-index',
      url: folder,
      pattern: `${escapeRegex(prefix)}${shape.group}${escapeRegex(parsed.extension)}$`,
      ...(shape.mangle ? { mangle: [shape.mangle] } : {}),
    },
    name: projectName,
    version: parsed.version,
    homepage: gnu && /(^|\.)gnu\.org$/.test(url.hostname) ? `https://www.gnu.org/software/${gnu[1]}/` : undefined,
    notes: [`watching the folder ${folder} for files named like ${file}`],
  };
}

/** The upstream a release URL belongs to. */
export function guessUpstream(tarballUrl: string, name?: string): UpstreamGuess | undefined {
  const url = new URL(tarballUrl);
  const host = url.hostname;
  const found =
    host === 'github.com'
      ? github(url)
      : host === 'registry.npmjs.org'
        ? npm(url)
        : host === 'files.pythonhosted.org' || host === 'pypi.org' || host.endsWith('.pythonhosted.org')
          ? pypi(url)
          : undefined;
  return found ?? htmlIndex(url, name);
}
