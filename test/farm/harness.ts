/**
 * Real processes for the build farm's integration tests: a `redis-server` with persistence on,
 * network namespaces with an address of their own, and the built CLI as a child process.
 *
 * Network namespaces
 * - A namespace gets a veth pair: host side 10.231.N.1/30, namespace side 10.231.N.2/30, `lo` up
 *   inside. Nothing on this machine uses 10.231.0.0/16 (eth0 is 192.0.2.0/24, podman's CNI bridge
 *   10.88.0.0/16); N is claimed atomically by creating the veth `fhvNh`, so two test files, or
 *   two engineers' runs, never share a subnet.
 * - Services a namespaced worker must reach (redis, the coordinator's HTTP) listen on the host
 *   side address, so the worker reaches them through the veth; 127.0.0.1 inside the namespace is
 *   the namespace's own loopback.
 * - Processes enter the namespace with `nsenter --net=/run/netns/NAME`, not `ip netns exec`:
 *   `ip netns exec` also makes a mount namespace and remounts /sys, which hides the cgroup
 *   mounts, and podman then fails with "runc create failed: no cgroup mount found in mountinfo".
 *   With nsenter, `podman run --network=none` works inside (same image store, same cgroups).
 * - What a worker in a namespace needs from outside: its builds run `--network=none`, but making
 *   a deps image (`ensureDepsImage`) runs `apt-get`/`dnf` in a container on podman's default
 *   network, and so does a gate's first step ("download, network on": the packages it installs
 *   from the distribution); inside the namespace there is no route out. For deps images, two
 *   ways: prepare them beforehand on the host (the image store is shared; the issue allows it;
 *   the key is the target, the sorted Build-Depends and the builder image id, so the worker finds
 *   them), or egress. A gate on a namespaced worker needs egress (or gates only on host workers).
 *   `egress: ['deb.debian.org']` gives a default route via the host side and a MASQUERADE
 *   rule on the host for those addresses and the resolvers of /etc/resolv.conf only (port 53);
 *   podman's CNI bridge is then made inside the namespace and `apt-get update` in a container
 *   works. `setEgress(false)` cuts it again, which is how a test makes the mirror unreachable.
 * - A namespace left by a killed test run is named after its process id
 *   (`freshet-test-<pid>-<name>`) and is deleted by the next makeNetns once that process is gone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const cliBin = path.join(import.meta.dirname, '../../src/cli/bin.js');

/** Every process and namespace a test started, so `cleanupAll()` in afterAll ends them even after a failure. */
const cleanups = new Set<() => Promise<void>>();

export async function cleanupAll(): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) {
    await cleanup().catch((error: unknown) => console.warn('farm harness cleanup:', error));
  }
  cleanups.clear();
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function sh(file: string, args: string[]): string {
  const result = spawnSync(file, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${result.error?.message ?? result.stderr.trim()}`);
  return result.stdout;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

// ---------------------------------------------------------------------------------------------
// redis-server

/** Replies of simple, error, integer and bulk type, as text (`OK`, `-ERR …`, `1`, the value, null); undefined while incomplete. */
function parseReplies(text: string, count: number): (string | null)[] | undefined {
  const replies: (string | null)[] = [];
  let at = 0;
  while (replies.length < count) {
    const end = text.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const line = text.slice(at, end);
    at = end + 2;
    if (line[0] === '$') {
      const length = Number(line.slice(1));
      if (length < 0) {
        replies.push(null);
        continue;
      }
      const bytes = Buffer.from(text.slice(at), 'utf8');
      if (bytes.length < length + 2) return undefined;
      const value = bytes.subarray(0, length).toString('utf8');
      replies.push(value);
      at += value.length + 2;
    } else {
      replies.push(line[0] === '-' ? line : line.slice(1));
    }
  }
  return replies;
}

/** Sends commands on one connection and returns the last reply (see parseReplies). */
async function redisCommand(host: string, port: number, commands: string[][], timeoutMs = 1000): Promise<string | null> {
  const payload = commands.map((words) => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`).join('');
  return await new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let text = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`redis ${host}:${port}: no answer within ${timeoutMs} ms`)));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
      const replies = parseReplies(text, commands.length);
      if (replies) {
        socket.end();
        resolve(replies.at(-1)!);
      }
    });
  });
}

export interface RedisOptions {
  /** Its data folder (AOF files); kept across restart(). */
  dir: string;
  /** Addresses it listens on; default 127.0.0.1. Add a namespace's hostAddress for its worker. */
  bind?: string[];
  /** Sets `requirepass`; without one and with a non-loopback bind, protected mode is off. */
  password?: string;
  /** `always` (default) loses nothing on SIGKILL; `everysec` is redis's own default for AOF. */
  appendfsync?: 'always' | 'everysec';
}

export interface RedisServer {
  host: string;
  port: number;
  /** redis://[:password@]127.0.0.1:port */
  url: string;
  /** The same server as reached through another of its bind addresses. */
  urlFor(host: string): string;
  pid(): number | undefined;
  /** One command, e.g. ['GET', 'key']; returns its reply (`OK`, the value, `1`, null, `-ERR …`). */
  command(words: string[]): Promise<string | null>;
  /** SIGTERM and wait: redis flushes the AOF on the way out. */
  stop(): Promise<void>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (stopping it first if it still runs). */
  restart(): Promise<void>;
}

export async function startRedis(options: RedisOptions): Promise<RedisServer> {
  mkdirSync(options.dir, { recursive: true });
  const bind = options.bind ?? ['127.0.0.1'];
  const host = bind[0]!;
  const port = await freePort(host);
  const auth = options.password ? [['AUTH', options.password]] : [];
  let child: ChildProcess | undefined;
  let output = '';

  // Arguments only: no redis.conf from the system is read.
  const args = [
    '--port', String(port),
    '--bind', ...bind,
    '--dir', options.dir,
    '--appendonly', 'yes',
    '--appendfsync', options.appendfsync ?? 'always',
    '--save', '',
    '--daemonize', 'no',
    '--logfile', '',
    ...(options.password ? ['--requirepass', options.password] : ['--protected-mode', bind.every((address) => address.startsWith('127.')) ? 'yes' : 'no']),
  ];

  async function start(): Promise<void> {
    output = '';
    child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    // PING answers -LOADING while the AOF is read back; wait for +PONG.
    for (let tries = 0; tries < 200; tries++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}):\n${output}`);
      const answer = await redisCommand(host, port, [...auth, ['PING']]).catch(() => '');
      if (answer === 'PONG') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server on ${host}:${port} did not answer PING:\n${output}`);
  }

  async function signal(name: NodeJS.Signals): Promise<void> {
    if (!child) return;
    const running = child;
    child = undefined;
    const done = exited(running);
    running.kill(name);
    await done;
  }

  const cleanup = () => signal('SIGKILL');
  cleanups.add(cleanup);
  await start();

  const urlFor = (address: string) => `redis://${options.password ? `:${encodeURIComponent(options.password)}@` : ''}${address}:${port}`;
  return {
    host,
    port,
    url: urlFor(host),
    urlFor,
    pid: () => child?.pid,
    command: (words) => redisCommand(host, port, [...auth, words]),
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    async restart() {
      await signal('SIGTERM');
      await start();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// network namespaces

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root (CAP_NET_ADMIN); this test runs as a user';
  for (const tool of ['ip', 'nsenter', 'iptables']) {
    if (spawnSync(tool, ['--version']).error) return `${tool} is not installed (.ci/apt-packages.txt)`;
  }
  const probe = `freshet-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `cannot create a network namespace: ${added.stderr.trim()}`;
  spawnSync('ip', ['netns', 'delete', probe]);
  return undefined;
}

export interface NetnsOptions {
  /** Host names (resolved now, on the host) the namespace may reach through NAT, e.g. the Debian mirror. */
  egress?: string[];
}

export interface Netns {
  name: string;
  /** 10.231.N.1: the host's end of the veth; services for the namespace listen here. */
  hostAddress: string;
  /** 10.231.N.2: the namespace's own address. */
  nsAddress: string;
  /** Starts a process inside the namespace (stdio piped). */
  exec(file: string, args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): ChildProcess;
  /** The command prefix that runs a program inside: ['nsenter', '--net=/run/netns/NAME']. */
  prefix: string[];
  /** Turns the NAT to the `egress` hosts on or off (on after makeNetns when any were given). */
  setEgress(enabled: boolean): void;
  destroy(): Promise<void>;
}

const NETNS_PREFIX = 'freshet-test-';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces (and with them their veths) of test processes that are gone. */
function removeStaleNamespaces(): void {
  for (const line of sh('ip', ['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = Number(name.slice(NETNS_PREFIX.length).split('-')[0]);
    if (name.startsWith(NETNS_PREFIX) && pid > 0 && !processAlive(pid)) spawnSync('ip', ['netns', 'delete', name]);
  }
}

function resolvers(): string[] {
  return readFileSync('/etc/resolv.conf', 'utf8')
    .split('\n')
    .map((line) => /^nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line)?.[1])
    .filter((address): address is string => Boolean(address));
}

export async function makeNetns(shortName: string, options: NetnsOptions = {}): Promise<Netns> {
  removeStaleNamespaces();
  let n = 0;
  for (let candidate = 1; candidate < 255 && n === 0; candidate++) {
    // Creating the veth claims the subnet: the kernel refuses a second link of the same name.
    const claimed = spawnSync('ip', ['link', 'add', `fhv${candidate}h`, 'type', 'veth', 'peer', 'name', `fhv${candidate}n`]);
    if (claimed.status === 0) n = candidate;
  }
  if (n === 0) throw new Error('no free 10.231.N.0/30 subnet (veths fhv1h…fhv254h all exist)');
  const name = `${NETNS_PREFIX}${process.pid}-${shortName}`;
  const hostLink = `fhv${n}h`;
  const nsLink = `fhv${n}n`;
  const hostAddress = `10.231.${n}.1`;
  const nsAddress = `10.231.${n}.2`;
  const prefix = ['nsenter', `--net=/run/netns/${name}`];
  const inside = (args: string[]) => sh('nsenter', [`--net=/run/netns/${name}`, ...args]);

  let natRules: string[][] = [];
  let egressOn = false;
  const destroy = async () => {
    if (egressOn) setEgress(false);
    spawnSync('ip', ['netns', 'delete', name]);
    // Deleting the namespace destroys its end of the pair and with it the host's end.
    spawnSync('ip', ['link', 'delete', hostLink]);
    cleanups.delete(destroy);
  };
  cleanups.add(destroy);

  try {
    sh('ip', ['netns', 'add', name]);
    sh('ip', ['link', 'set', nsLink, 'netns', name]);
    sh('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostLink]);
    sh('ip', ['link', 'set', hostLink, 'up']);
    inside(['ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsLink]);
    inside(['ip', 'link', 'set', nsLink, 'up']);
    inside(['ip', 'link', 'set', 'lo', 'up']);
    if (options.egress?.length) {
      inside(['ip', 'route', 'add', 'default', 'via', hostAddress]);
      const source = `10.231.${n}.0/30`;
      const targets = (await Promise.all(options.egress.map((host) => lookup(host, { all: true, family: 4 })))).flat().map((entry) => entry.address);
      natRules = [
        ...[...new Set(targets)].map((address) => ['-s', source, '-d', `${address}/32`, '-j', 'MASQUERADE']),
        ...resolvers().flatMap((address) => ['udp', 'tcp'].map((protocol) => ['-s', source, '-d', `${address}/32`, '-p', protocol, '--dport', '53', '-j', 'MASQUERADE'])),
      ];
    }
  } catch (error) {
    await destroy();
    throw error;
  }

  function setEgress(enabled: boolean): void {
    if (enabled === egressOn) return;
    if (natRules.length === 0) throw new Error(`makeNetns(${shortName}): no egress hosts were given`);
    for (const rule of natRules) sh('iptables', ['-t', 'nat', enabled ? '-A' : '-D', 'POSTROUTING', ...rule]);
    egressOn = enabled;
  }
  if (natRules.length > 0) setEgress(true);

  return {
    name,
    hostAddress,
    nsAddress,
    prefix,
    exec(file, args, execOptions = {}) {
      const child = spawn(prefix[0]!, [...prefix.slice(1), file, ...args], { cwd: execOptions.cwd, env: execOptions.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const kill = async () => {
        const gone = exited(child);
        child.kill('SIGKILL');
        await gone;
      };
      cleanups.add(kill);
      child.once('exit', () => cleanups.delete(kill));
      return child;
    },
    setEgress,
    destroy,
  };
}

// ---------------------------------------------------------------------------------------------
// the built CLI as a child process

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /** Resolves when the output matches (checked on every chunk); rejects if the process exits first or after timeoutMs. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (null when a signal ended it) and the signal. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now; resolves when it is gone. */
  kill(): Promise<void>;
}

export interface CliOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Runs it inside this namespace. */
  netns?: Netns;
}

/** Starts `node src/cli/bin.js ARGS` (the built CLI: `npm run build` first). */
export function runCli(args: string[], options: CliOptions): CliProcess {
  const env = { ...process.env, ...options.env };
  const command = [process.execPath, cliBin, ...args];
  const [file, ...rest] = options.netns ? [...options.netns.prefix, ...command] : command;
  const child = spawn(file!, rest, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal });
    });
  });

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await done;
    cleanups.delete(kill);
  };
  cleanups.add(kill);

  return {
    child,
    pid: child.pid!,
    output: () => text,
    done,
    kill,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await done;
        clearTimeout(timer);
      }
      cleanups.delete(kill);
    },
    waitForOutput(pattern, timeoutMs = 300_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no output matching ${pattern} after ${timeoutMs} ms:\n${text.slice(-4000)}`)), timeoutMs);
        const check = () => {
          const match = text.match(pattern);
          if (match) finish(undefined, match);
          else if (child.exitCode !== null || child.signalCode !== null) finish(new Error(`exited (${child.exitCode ?? child.signalCode}) before output matching ${pattern}:\n${text.slice(-4000)}`));
        };
        function finish(error?: Error, match?: RegExpMatchArray) {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match!);
        }
        listeners.add(check);
        check();
      });
    },
  };
}
