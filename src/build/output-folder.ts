import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, createWriteStream, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync, type Stats } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { UserError } from '../core/errors.js';
import type { BuildArtifact } from '../types.js';
import { DEFAULT_DISK_RESERVE_MEGABYTES } from './engine/disk-guard.js';

/**
 * The build folder after the container exits, read without ever following a link the build left.
 * A build controls every name in it: `RPMS -> /root` would have the host's /root listed and its
 * files moved. Each folder is opened with O_NOFOLLOW and everything below it is reached through
 * that open folder (/proc/self/fd/N/name, Linux's openat by path), so a link swapped in after a
 * check is never followed either. Files are copied out of a descriptor that was opened without
 * following links and checked to be a regular file with one link; the copy is freshet's own,
 * outside the build's reach, and is what gets hashed, read and published.
 *
 * Hard links: the container sees only the build folder of the host's file system (a bind mount),
 * and link(2) needs a name for the target, so a build cannot link a host file in. A file with
 * more than one link is refused all the same: nothing a build legitimately leaves has one.
 */
const FOLDER_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
// O_NONBLOCK: a FIFO swapped in for a file must not block the open.
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export class BuildFolder {
  private readonly opened: number[] = [];

  private constructor(
    private readonly fd: number,
    /** The path below the build folder, for messages: never a host path. */
    readonly label: string,
    private readonly root: BuildFolder | undefined,
  ) {}

  /** The build folder itself: freshet made it and mounted it, so its own path is trusted. */
  static open(dir: string): BuildFolder {
    return new BuildFolder(openSync(dir, FOLDER_FLAGS), '', undefined);
  }

  private at(name: string): string {
    if (name.includes('/') || name === '.' || name === '..') throw new Error(`not a single name: ${name}`);
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  labelOf(name: string): string {
    return this.label ? `${this.label}/${name}` : name;
  }

  names(): string[] {
    return readdirSync(`/proc/self/fd/${this.fd}`).sort();
  }

  /** What the name is, not what a link points to; undefined when it does not exist. */
  stat(name: string): Stats | undefined {
    try {
      return lstatSync(this.at(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** A real folder below this one; a link or anything else is refused, naming only the build's own path. */
  folder(name: string): BuildFolder {
    let fd: number;
    try {
      fd = openSync(this.at(name), FOLDER_FLAGS);
    } catch (error) {
      throw new UserError(`${this.labelOf(name)} is not a folder (${(error as NodeJS.ErrnoException).code})`);
    }
    (this.root ?? this).opened.push(fd);
    return new BuildFolder(fd, this.labelOf(name), this.root ?? this);
  }

  /** A regular file with one link, opened without following a link; the caller closes it. */
  private openFile(name: string): number {
    const label = this.labelOf(name);
    let fd: number;
    try {
      fd = openSync(this.at(name), FILE_FLAGS);
    } catch (error) {
      throw new UserError(`${label} is not a regular file (${(error as NodeJS.ErrnoException).code})`);
    }
    const problem = fileProblem(label, fstatSync(fd));
    if (problem) {
      closeSync(fd);
      throw new UserError(problem);
    }
    return fd;
  }

  /** Copy a file out to `destination` (created, never overwritten) and return its size and sha256. */
  async copyOut(name: string, destination: string): Promise<{ size: number; sha256: string }> {
    const fd = this.openFile(name);
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(createReadStream('', { fd }), measure, createWriteStream(destination, { flags: 'wx', mode: 0o644 }));
    return { size, sha256: hash.digest('hex') };
  }

  /** A small regular file's text, or undefined when it is missing, not a regular file or over maxBytes. */
  readSmall(name: string, maxBytes: number): string | undefined {
    let fd: number;
    try {
      fd = this.openFile(name);
    } catch {
      return undefined;
    }
    try {
      return fstatSync(fd).size > maxBytes ? undefined : readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }

  /** A folder the build was to make, or undefined when it did not; a link in its place is a problem and is never followed. */
  childFolder(name: string, problems: string[]): BuildFolder | undefined {
    const stat = this.stat(name);
    if (!stat) return undefined;
    if (stat.isDirectory()) return this.folder(name);
    problems.push(`${this.labelOf(name)} is ${stat.isSymbolicLink() ? 'a link' : 'not a folder'}`);
    return undefined;
  }

  /** Close this folder and every folder opened below it. */
  close(): void {
    for (const fd of this.opened.splice(0)) closeSync(fd);
    closeSync(this.fd);
  }
}

/** Why an entry is not something to take: a link, not a regular file, or a file with other names. */
export function fileProblem(label: string, stat: Stats | undefined): string | undefined {
  if (!stat) return `${label} disappeared`;
  if (stat.isSymbolicLink()) return `${label} is a link`;
  if (!stat.isFile()) return `${label} is not a regular file`;
  if (stat.nlink !== 1) return `${label} has ${stat.nlink} hard links`;
  return undefined;
}

export interface TakenFile {
  name: string;
  /** The copy in the staging folder, for the caller's checks. */
  file: string;
  size: number;
  sha256: string;
}

const STAGING = '.incoming';

/**
 * A sparse file costs the build no disk but its copy costs its full size: `truncate -s 4T x.deb`
 * would fill the host's disk. The copies must fit in the free space, leaving the disk reserve.
 */
function refuseOversized(outputDir: string, files: ReadonlyArray<{ folder: BuildFolder; name: string }>): void {
  const total = files.reduce((sum, { folder, name }) => sum + (folder.stat(name)?.size ?? 0), 0);
  const stats = statfsSync(outputDir);
  const room = stats.bavail * stats.bsize - DEFAULT_DISK_RESERVE_MEGABYTES * 1024 * 1024;
  if (total > room) {
    throw new UserError(`build output rejected: its files add up to ${total} bytes, more than the ${Math.max(0, room)} bytes free on the output's file system (beyond the disk reserve)`);
  }
}

/**
 * Copy files out of the build folder into a staging folder beside the output, let `check` read
 * the copies, and move them into the output only when it returns: a rejected build leaves
 * nothing in the output.
 */
export async function takeFiles<T>(outputDir: string, files: ReadonlyArray<{ folder: BuildFolder; name: string }>, check: (taken: TakenFile[]) => Promise<T>): Promise<T> {
  const staging = path.join(outputDir, STAGING);
  rmSync(staging, { recursive: true, force: true });
  refuseOversized(outputDir, files);
  mkdirSync(staging);
  try {
    const taken: TakenFile[] = [];
    for (const { folder, name } of files) {
      const file = path.join(staging, name);
      taken.push({ name, file, ...(await folder.copyOut(name, file)) });
    }
    const result = await check(taken);
    for (const { name, file } of taken) renameSync(file, path.join(outputDir, name));
    return result;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * takeFiles for build artifacts: `inspect` reads each staged copy, returns its fields (if it has
 * any) and adds what is wrong with it to `problems`; one problem rejects the whole output.
 */
export async function takeArtifacts<K extends BuildArtifact['kind']>(
  outputDir: string,
  files: ReadonlyArray<{ folder: BuildFolder; name: string; kind: K }>,
  inspect: (copy: TakenFile, kind: K, problems: string[]) => Promise<Record<string, string> | undefined>,
): Promise<BuildArtifact[]> {
  const kinds = new Map(files.map((file) => [file.name, file.kind]));
  return takeFiles(outputDir, files, async (taken) => {
    const problems: string[] = [];
    const checked: BuildArtifact[] = [];
    for (const copy of taken) {
      const kind = kinds.get(copy.name)!;
      const artifact: BuildArtifact = { file: path.join(outputDir, copy.name), kind, size: copy.size, sha256: copy.sha256 };
      const fields = await inspect(copy, kind, problems);
      if (fields) artifact.fields = fields;
      checked.push(artifact);
    }
    if (problems.length > 0) throw new UserError(`build output rejected: ${problems.join('; ')}`);
    return checked;
  });
}
