import { createHash } from 'node:crypto';
import http from 'node:http';

/**
 * A loopback upstream of N directory listings (`/pkgNNN/`), each linking 20 release tarballs,
 * with ETag and Last-Modified so that an unchanged listing is answered by a 304.
 * Usage: node server.js PORT COUNT
 */
const [port, count] = process.argv.slice(2).map(Number) as [number, number];
const lastModified = new Date(Date.UTC(2025, 0, 1)).toUTCString();

function listing(name: string): string {
  const rows = [`<a href="../">../</a>`];
  for (let minor = 0; minor < 20; minor++) {
    for (const file of [`${name}-1.${minor}.tar.gz`, `${name}-1.${minor}.tar.gz.sig`]) {
      rows.push(`<a href="${file}">${file}</a>                 01-Jan-2025 00:00    1M`);
    }
  }
  return `<html><head><title>Index of /${name}/</title></head><body><h1>Index of /${name}/</h1><hr><pre>${rows.join('\n')}</pre><hr></body></html>\n`;
}

const pages = new Map<string, { body: string; etag: string }>();
for (let index = 0; index < count; index++) {
  const name = `pkg${String(index).padStart(4, '0')}`;
  const body = listing(name);
  pages.set(`/${name}/`, { body, etag: `"${createHash('sha1').update(body).digest('hex')}"` });
}

http
  .createServer((req, res) => {
    const page = pages.get(req.url ?? '');
    if (!page) return res.writeHead(404).end();
    if (req.headers['if-none-match'] === page.etag) return res.writeHead(304, { etag: page.etag }).end();
    return res.writeHead(200, { 'content-type': 'text/html', etag: page.etag, 'last-modified': lastModified }).end(page.body);
  })
  .listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
