import { UserError } from '../../core/errors.js';

/**
 * What an upstream archive may contain. Every entry is checked before anything is written (a
 * first pass over the whole archive), so a bad archive leaves no file behind at all.
 */
export interface UnpackLimits {
  /** Total bytes of file contents (default 2 GiB). */
  maxBytes: number;
  /** Entries of any kind (default 200,000). */
  maxEntries: number;
  /** Path components of one entry (default 64). */
  maxDepth: number;
}

export const defaultUnpackLimits: UnpackLimits = { maxBytes: 2 * 1024 ** 3, maxEntries: 200_000, maxDepth: 64 };

export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink';

/** One archive member, as read from tar or zip headers. */
export interface RawEntry {
  path: string;
  /** tar type name (File, Directory, SymbolicLink, Link, CharacterDevice, FIFO…) or a zip kind. */
  type: string;
  size: number;
  mode: number;
  linkTarget?: string;
}

/** An accepted entry: normalised path, a kind freshet writes, a mode without setuid/setgid/sticky. */
export interface CheckedEntry {
  path: string;
  kind: EntryKind;
  size: number;
  mode: number;
  /** For links: the target as written in the archive (symlink) or a normalised path (hardlink). */
  linkTarget?: string;
}

export class UnsafeArchiveError extends UserError {
  constructor(archive: string, reason: string) {
    super(`${archive}: refusing to unpack: ${reason}`);
    this.name = 'UnsafeArchiveError';
  }
}

const kinds: Record<string, EntryKind> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  GNUDumpDir: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

/** Normalise an archive path (`./a//b/` → `a/b`); refuse absolute paths, `..`, NUL and backslashes. */
export function normaliseEntryPath(raw: string, refuse: (reason: string) => never): string {
  if (raw.includes('\0')) refuse(`entry ${JSON.stringify(raw)} has a NUL byte in its name`);
  if (raw.includes('\\')) refuse(`entry ${JSON.stringify(raw)} has a backslash in its name`);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) refuse(`entry ${JSON.stringify(raw)} has an absolute path`);
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) refuse(`entry ${JSON.stringify(raw)} has a ".." component`);
  return parts.join('/');
}

/**
 * The first pass: checks each entry in archive order and keeps what later entries are checked
 * against (which paths exist, which are symlinks). Duplicate paths are refused, except a
 * directory listed twice; nothing is "last one wins".
 */
export class EntryChecker {
  private readonly seen = new Map<string, EntryKind>();
  private readonly symlinks = new Map<string, string>();
  private entries = 0;
  private bytes = 0;

  constructor(
    private readonly archive: string,
    private readonly limits: UnpackLimits,
  ) {}

  private refuse(reason: string): never {
    throw new UnsafeArchiveError(this.archive, reason);
  }

  check(raw: RawEntry): CheckedEntry | undefined {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) this.refuse(`more than ${this.limits.maxEntries} entries`);
    const kind = kinds[raw.type];
    if (!kind) this.refuse(`entry ${JSON.stringify(raw.path)} is a ${raw.type}; only files, directories and links are allowed`);
    const entryPath = normaliseEntryPath(raw.path, (reason) => this.refuse(reason));
    if (entryPath === '') {
      if (kind === 'directory') return undefined; // "./" itself
      this.refuse(`entry ${JSON.stringify(raw.path)} has an empty name`);
    }
    const depth = entryPath.split('/').length;
    if (depth > this.limits.maxDepth) this.refuse(`entry ${JSON.stringify(entryPath.slice(0, 120))}… is ${depth} levels deep (limit ${this.limits.maxDepth})`);
    this.checkParents(entryPath);
    const previous = this.seen.get(entryPath);
    if (previous !== undefined) {
      if (previous === 'directory' && kind === 'directory') return undefined;
      this.refuse(`entry ${JSON.stringify(entryPath)} appears twice`);
    }
    if (kind === 'file') {
      this.bytes += raw.size;
      if (this.bytes > this.limits.maxBytes) this.refuse(`contents are over the ${this.limits.maxBytes}-byte limit`);
    }
    let linkTarget: string | undefined;
    if (kind === 'symlink') linkTarget = this.checkSymlink(entryPath, raw.linkTarget ?? '');
    if (kind === 'hardlink') linkTarget = this.checkHardlink(entryPath, raw.linkTarget ?? '');
    this.seen.set(entryPath, kind);
    const permissions = raw.mode & 0o777;
    const mode = kind === 'directory' ? permissions | 0o700 : permissions | 0o600;
    return { path: entryPath, kind, size: kind === 'file' ? raw.size : 0, mode, linkTarget };
  }

  /** Links are checked again once all are known: a later link can make an earlier one leave. */
  finish(): void {
    for (const [entryPath, target] of this.symlinks) {
      if (this.resolve(entryPath, 0) === undefined) this.refuse(`symlink ${entryPath} -> ${target} leads outside the archive's folder`);
    }
  }

  /** Nothing may be written through a symlink, and a file cannot also be a folder. */
  private checkParents(entryPath: string): void {
    const parts = entryPath.split('/');
    for (let index = 1; index < parts.length; index++) {
      const parent = parts.slice(0, index).join('/');
      const kind = this.seen.get(parent);
      if (kind === 'symlink') this.refuse(`entry ${JSON.stringify(entryPath)} is below the symlink ${parent}`);
      if (kind !== undefined && kind !== 'directory') this.refuse(`entry ${JSON.stringify(entryPath)} is below the file ${parent}`);
      if (kind === undefined) this.seen.set(parent, 'directory');
    }
  }

  private checkSymlink(entryPath: string, target: string): string {
    if (target === '' || target.includes('\0')) this.refuse(`symlink ${entryPath} has an empty or NUL target`);
    if (target.startsWith('/')) this.refuse(`symlink ${entryPath} points to the absolute path ${target}`);
    this.symlinks.set(entryPath, target);
    // Resolve through the links seen so far, as the kernel would: a target that stays inside
    // lexically can still leave through another link (a/b/s -> ../.., t -> a/b/s/..).
    if (this.resolve(entryPath, 0) === undefined) {
      this.symlinks.delete(entryPath);
      this.refuse(`symlink ${entryPath} -> ${target} leads outside the archive's folder`);
    }
    return target;
  }

  private checkHardlink(entryPath: string, target: string): string {
    const normalised = normaliseEntryPath(target, (reason) => this.refuse(`hardlink ${entryPath}: ${reason}`));
    if (this.seen.get(normalised) !== 'file') {
      this.refuse(`hardlink ${entryPath} -> ${target} does not point to a file earlier in the archive`);
    }
    return normalised;
  }

  /** The path a link chain ends at, or undefined when it climbs above the root or loops. */
  private resolve(entryPath: string, hops: number): string[] | undefined {
    if (hops > 40) return undefined;
    const stack: string[] = [];
    const parts = entryPath.split('/');
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index]!;
      if (part === '..') {
        if (stack.length === 0) return undefined;
        stack.pop();
        continue;
      }
      if (part === '.' || part === '') continue;
      stack.push(part);
      const target = this.symlinks.get(stack.join('/'));
      if (target === undefined) continue;
      const base = stack.slice(0, -1).join('/');
      const rest = parts.slice(index + 1).join('/');
      // Joined without normalising: `s/..` must go through s's own target first.
      return this.resolve([base, target, rest].filter((piece) => piece !== '').join('/'), hops + 1);
    }
    return stack;
  }
}
