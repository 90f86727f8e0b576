import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Thousands of small, valid .debs in seconds: the ar archive and the control tarball are written
 * here (one data.tar.gz shared by all), so only the control file differs between packages.
 */
function tarEntry(name: string, data: Buffer, mode = 0o644): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write(`${(1_700_000_000).toString(8).padStart(11, '0')}\0`, 136);
  header.write('        ', 148);
  header.write(data.length === 0 && name.endsWith('/') ? '5' : '0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding]);
}

function tarGz(entries: Buffer[]): Buffer {
  return gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
}

function arMember(name: string, data: Buffer): Buffer {
  const header = `${name.padEnd(16)}${'1700000000'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n`;
  return Buffer.concat([Buffer.from(header), data, data.length % 2 ? Buffer.from('\n') : Buffer.alloc(0)]);
}

const sharedData = tarGz([tarEntry('./', Buffer.alloc(0), 0o755), tarEntry('./usr/', Buffer.alloc(0), 0o755), tarEntry('./usr/share/', Buffer.alloc(0), 0o755)]);

/** `source` is the recipe the package belongs to (freshet publish checks it against the recipe). */
export function debBytes(name: string, version: string, source = 'bench'): Buffer {
  const control = [
    `Package: ${name}`,
    `Source: ${source}`,
    `Version: ${version}`,
    'Architecture: all',
    'Maintainer: freshet bench <bench@localhost>',
    'Installed-Size: 1',
    'Section: misc',
    'Priority: optional',
    `Description: synthetic package ${name}`,
    ' Made by the freshet publish bench.',
    '',
  ].join('\n');
  const controlTar = tarGz([tarEntry('./', Buffer.alloc(0), 0o755), tarEntry('./control', Buffer.from(control))]);
  return Buffer.concat([Buffer.from('!<arch>\n'), arMember('debian-binary', Buffer.from('2.0\n')), arMember('control.tar.gz', controlTar), arMember('data.tar.gz', sharedData)]);
}

export function packageName(index: number): string {
  return `bench-pkg-${String(index).padStart(5, '0')}`;
}

/** Write (or reuse) `count` debs in `dir`; returns their paths. */
export function ensureDebs(dir: string, count: number): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const name = packageName(index);
    const file = path.join(dir, `${name}_1.0-1_all.deb`);
    if (!existsSync(file)) writeFileSync(file, debBytes(name, '1.0-1'));
    files.push(file);
  }
  return files;
}

export function readBytes(file: string): Buffer {
  return readFileSync(file);
}
