import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { EntryChecker, defaultUnpackLimits, type CheckedEntry, type RawEntry, type UnpackLimits } from './policy.js';
import { sniffFormat, walkTar, type ArchiveFormat } from './tar.js';
import { TreeWriter } from './writer.js';
import { walkZip } from './zip.js';

export { defaultUnpackLimits, UnsafeArchiveError, type UnpackLimits } from './policy.js';

export interface UnpackResult {
  /** The folder holding the archive's contents. */
  dir: string;
  format: ArchiveFormat;
  entries: number;
  /** The one top-level folder most upstream tarballs have (`hello-2.12.3`), if there is exactly one. */
  topDir: string | undefined;
}

/** Check every entry; the returned list is what the write pass expects to see, in order. */
interface Checked {
  rawPath: string;
  entry: CheckedEntry | undefined;
}

async function checkAll(archive: string, format: ArchiveFormat, limits: UnpackLimits): Promise<Checked[]> {
  const checker = new EntryChecker(path.basename(archive), limits);
  const checked: Checked[] = [];
  const visit = (raw: RawEntry) => {
    checked.push({ rawPath: raw.path, entry: checker.check(raw) });
  };
  if (format === 'zip') await walkZip(archive, false, visit);
  else await walkTar(archive, format, (raw, body) => {
    visit(raw);
    body.resume();
  });
  checker.finish();
  return checked;
}

/**
 * Unpack an upstream archive into `dest` (which must not exist yet). Two passes: the first
 * checks every entry against the rules and limits without writing anything; the second writes
 * into a fresh temporary folder beside `dest`, which is renamed into place only when complete.
 * See docs/mirror.md#unpacking for the rules.
 */
export async function unpackArchive(archive: string, dest: string, limits: Partial<UnpackLimits> = {}): Promise<UnpackResult> {
  const effective = { ...defaultUnpackLimits, ...limits };
  if (existsSync(dest)) throw new UserError(`${dest}: already exists; freshet unpacks only into a new folder`);
  const format = await sniffFormat(archive);
  const checked = await checkAll(archive, format, effective);
  const staging = await mkdtemp(path.join(path.dirname(dest), `.${path.basename(dest)}.unpack-`));
  try {
    const writer = new TreeWriter(staging, path.basename(archive), effective.maxBytes);
    let index = 0;
    const next = (raw: RawEntry): CheckedEntry | undefined => {
      const seen = checked[index++];
      // Only what the first pass checked is written; an archive that changed in between is refused.
      if (!seen || seen.rawPath !== raw.path) throw new UserError(`${path.basename(archive)}: archive changed while it was being unpacked`);
      return seen.entry;
    };
    if (format === 'zip') {
      await walkZip(archive, true, (raw, body) => {
        const entry = next(raw);
        if (entry) writer.write(entry, body);
        else body?.resume();
      });
    } else {
      await walkTar(archive, format, (raw, body) => {
        const entry = next(raw);
        if (entry) writer.write(entry, body as unknown as Parameters<TreeWriter['write']>[1]);
        else body.resume();
      });
    }
    await writer.finish();
    await rename(staging, dest);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return { dir: dest, format, entries: checked.length, topDir: singleTopDir(dest) };
}

/** The single top-level folder of an unpacked tree, or undefined when there are several entries. */
export function singleTopDir(dir: string): string | undefined {
  const entries = readdirSync(dir, { withFileTypes: true });
  return entries.length === 1 && entries[0]!.isDirectory() ? entries[0]!.name : undefined;
}
