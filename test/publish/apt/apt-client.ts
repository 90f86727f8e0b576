import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { run, type RunResult } from '../../../src/core/exec.js';

/**
 * A real apt on the host, confined to a throwaway folder: its own sources, lists, cache and
 * dpkg database (dpkg --root), configured through APT_CONFIG so the host's apt.conf.d is not read.
 */
export interface AptClient {
  aptGet(args: string[]): Promise<RunResult>;
  root: string;
}

export function makeAptClient(dir: string, source: { uri: string; suite: string; keyring: string }): AptClient {
  const root = path.join(dir, 'root');
  for (const sub of ['etc/apt/sources.list.d', 'etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'etc/apt/trusted.gpg.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'var/log/apt']) {
    mkdirSync(path.join(dir, sub), { recursive: true });
  }
  for (const sub of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) mkdirSync(path.join(root, sub), { recursive: true });
  writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
  writeFileSync(
    path.join(dir, 'etc/apt/sources.list.d/freshet.sources'),
    `Types: deb deb-src\nURIs: ${source.uri}\nSuites: ${source.suite}\nComponents: main\nSigned-By: ${source.keyring}\n`,
  );
  const conf = path.join(dir, 'apt.conf');
  writeFileSync(
    conf,
    [
      `Dir::State "${dir}/var/lib/apt";`,
      `Dir::State::status "${root}/var/lib/dpkg/status";`,
      `Dir::Cache "${dir}/var/cache/apt";`,
      `Dir::Etc "${dir}/etc/apt";`,
      `Dir::Log "${dir}/var/log/apt";`,
      'Dir::Bin::Methods "/usr/lib/apt/methods";',
      'Dir::Bin::dpkg "/usr/bin/dpkg";',
      'APT::Architecture "amd64";',
      'APT::Architectures { "amd64"; };',
      'APT::Sandbox::User "root";',
      'Acquire::Languages "none";',
      'Debug::NoLocking "true";',
      `DPkg::Options { "--root=${root}"; "--log=${dir}/dpkg.log"; "--force-not-root"; "--force-bad-path"; };`,
      '',
    ].join('\n'),
  );
  return {
    root,
    // cwd: `apt-get source` downloads into the working folder.
    aptGet: (args) => run('apt-get', ['-q', ...args], { cwd: dir, env: { APT_CONFIG: conf, LC_ALL: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' }, allowFailure: true, timeoutMs: 300_000 }),
  };
}

/** The lines of apt's output that report a problem: apt can exit 0 and still warn. */
export function aptWarnings(text: string): string[] {
  return text.split('\n').filter((line) => /^(W|E|Err):/.test(line.trim()) || /warning/i.test(line));
}

/** `apt-get update --error-on=any` from a fresh client against an archive root; the problems it reported. */
export async function aptUpdateProblems(dir: string, root: string, suite: string, keyring: string): Promise<string[]> {
  const server = await serveStatic(root);
  try {
    const apt = makeAptClient(dir, { uri: server.url, suite, keyring });
    const update = await apt.aptGet(['update', '--error-on=any']);
    const problems = aptWarnings(update.stdout + update.stderr);
    return update.exitCode === 0 ? problems : [`apt-get update exited with ${update.exitCode}`, ...problems];
  } finally {
    await server.close();
  }
}

/** A loopback static file server over an archive root, so apt uses its http method and by-hash. */
export async function serveStatic(root: string): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    const url = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    requests.push(url);
    const file = path.join(root, path.normalize(url));
    if (!file.startsWith(root)) return void response.writeHead(403).end();
    let size: number;
    try {
      const stats = statSync(file);
      if (!stats.isFile()) throw new Error('not a file');
      size = stats.size;
    } catch {
      return void response.writeHead(404).end();
    }
    response.writeHead(200, { 'content-length': size });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
