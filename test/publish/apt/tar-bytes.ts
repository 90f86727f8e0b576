/** Tar entries written byte by byte, for archives no tar program writes (hostile control.tar members). */
export function tarEntry(
  name: string,
  data: Buffer,
  type = '0',
  { magic = 'ustar\0' + '00', prefix = '', size = data.length, linkName = '' } = {},
): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write(linkName, 157);
  header.write(prefix, 345);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write(type, 156);
  header.write(magic, 257, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** One pax record, `<length><blank><key>=<value>\n`, the length counting itself. */
export function paxRecord(key: string, value: string, blank = ' '): Buffer {
  const rest = `${blank}${key}=${value}\n`;
  let length = Buffer.byteLength(rest) + 1;
  while (String(length).length + Buffer.byteLength(rest) !== length) length += 1;
  return Buffer.from(`${length}${rest}`);
}
