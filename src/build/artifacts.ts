import type { BuildArtifact } from '../types.js';

/**
 * The files a Debian build may leave beside its source tree. Anything else (another name, a
 * link, a folder, a device) makes the build fail: a build must not smuggle files into the archive.
 */
export interface SourceIdentity {
  source: string;
  /** The package version without its epoch, as it appears in file names. */
  version: string;
  upstreamVersion: string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const binaryName = /^([a-z0-9][a-z0-9+.-]*)_([A-Za-z0-9.+~-]+)_([a-z0-9-]+)\.(deb|udeb|ddeb)$/;

export function fileVersion(version: string): string {
  return version.replace(/^\d+:/, '');
}

export function upstreamOf(version: string): string {
  const withoutEpoch = fileVersion(version);
  const dash = withoutEpoch.lastIndexOf('-');
  return dash === -1 ? withoutEpoch : withoutEpoch.slice(0, dash);
}

export function classifyArtifact(name: string, identity: SourceIdentity): BuildArtifact['kind'] | undefined {
  const binary = binaryName.exec(name);
  if (binary) return binary[4] === 'udeb' ? 'udeb' : 'deb';
  const stem = `${escape(identity.source)}_${escape(identity.version)}`;
  const upstream = `${escape(identity.source)}_${escape(identity.upstreamVersion)}`;
  if (new RegExp(`^${stem}\\.dsc$`).test(name)) return 'dsc';
  if (new RegExp(`^${stem}_[a-z0-9-]+\\.buildinfo$`).test(name)) return 'buildinfo';
  if (new RegExp(`^${stem}_[a-z0-9-]+\\.changes$`).test(name)) return 'changes';
  const compressed = '\\.tar\\.(gz|xz|bz2|lzma|zst)';
  if (new RegExp(`^${stem}\\.debian${compressed}$`).test(name)) return 'source-tar';
  if (new RegExp(`^${stem}${compressed}$`).test(name)) return 'source-tar';
  if (new RegExp(`^${upstream}\\.orig(-[A-Za-z0-9-]+)?${compressed}(\\.asc)?$`).test(name)) return 'source-tar';
  return undefined;
}

/** Problems with a binary package's control fields compared with its file name. */
export function checkBinaryFields(name: string, fields: Record<string, string>): string[] {
  const match = binaryName.exec(name);
  if (!match) return [`${name}: not a binary package name`];
  const problems: string[] = [];
  if (fields.Package !== match[1]) problems.push(`${name}: Package is ${fields.Package ?? 'missing'}`);
  if (fileVersion(fields.Version ?? '') !== match[2]) problems.push(`${name}: Version is ${fields.Version ?? 'missing'}`);
  if (fields.Architecture !== match[3]) problems.push(`${name}: Architecture is ${fields.Architecture ?? 'missing'}`);
  return problems;
}

/** Parse deb822 control fields (`dpkg-deb -f` output); continuation lines join with newlines. */
export function parseControlFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (/^[ \t]/.test(line) && last) fields[last] += `\n${line.trimEnd()}`;
    else {
      // dpkg and apt skip blanks before the colon: `Essential : yes` is Essential.
      const match = /^([A-Za-z0-9][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line);
      if (!match) continue;
      last = match[1]!;
      fields[last] = match[2]!.trimEnd();
    }
  }
  return fields;
}
