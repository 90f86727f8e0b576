import path from 'node:path';
import { ExitCode, UserError } from '../core/errors.js';
import { log } from '../core/log.js';
import { createStaticHandler, listen, parseListen } from '../serve/static.js';
import { action, output, type RegisterCommand } from '../cli/context.js';
import { fillMirror } from './fill.js';
import { loadMirrorManifest, manifestFiles } from './manifest.js';

export const DEFAULT_MIRROR_DIR = 'var/mirror';
export const DEFAULT_MIRROR_LISTEN = '127.0.0.1:8781';

export const registerMirror: RegisterCommand = (program) => {
  const mirror = program.command('mirror').description('the local upstream mirror used by the tests and the demo (see docs/mirror.md)');
  mirror
    .command('fill')
    .description("download the manifest's upstream files from Debian's pool and check their sha256")
    .option('--dir <dir>', 'mirror folder', DEFAULT_MIRROR_DIR)
    .option('--debian-mirror <url>', "Debian mirror to take the pool files from", 'http://deb.debian.org/debian')
    .argument('[upstreams...]', 'only these upstreams (default: all)')
    .action(
      action(async (upstreams: string[], options: { dir: string; debianMirror: string }, command) => {
        const files = manifestFiles(loadMirrorManifest(), upstreams);
        const results = await fillMirror(path.resolve(options.dir), files, { debianMirror: options.debianMirror });
        const downloaded = results.filter((result) => result.status === 'downloaded').length;
        output(command, { dir: options.dir, files: results }, () => `${results.length} files in ${options.dir} (${downloaded} downloaded)`);
        return ExitCode.ok;
      }),
    );
  mirror
    .command('serve')
    .description('serve the mirror folder on loopback with directory listings, ETag and Last-Modified')
    .option('--dir <dir>', 'mirror folder', DEFAULT_MIRROR_DIR)
    .option('--listen <host:port>', 'address to listen on', DEFAULT_MIRROR_LISTEN)
    .action(
      action(async (options: { dir: string; listen: string }) => {
        const { host, port } = parseListen(options.listen);
        if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host)) {
          throw new UserError(`--listen ${options.listen}: the mirror serves loopback only (127.0.0.1 or ::1)`);
        }
        const server = await listen(createStaticHandler({ root: path.resolve(options.dir), listings: true }), host, port);
        log.info('mirror serving', { url: server.url, dir: options.dir });
        await new Promise<void>((resolve) => {
          const stop = () => void server.close().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        return ExitCode.ok;
      }),
    );
};
