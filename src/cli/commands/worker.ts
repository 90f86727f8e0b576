import { action, type RegisterCommand } from '../context.js';

export interface WorkerCommandOptions {
  queue: string;
  coordinator: string;
  tokenFile: string;
  targets: string;
  arch?: string;
  workDir: string;
  name?: string;
  concurrency: string;
  engine: string;
  lockSeconds: string;
  heartbeatSeconds: string;
}

export const registerWorker: RegisterCommand = (program) => {
  program
    .command('worker')
    .description('a build farm worker: take build and gate jobs from the coordinator\'s queue, run them with podman, upload the results (docs/farm.md)')
    .requiredOption('--queue <url>', 'the coordinator\'s Redis: redis://[user:password@]host:port, rediss:// for TLS')
    .requiredOption('--coordinator <url>', 'the coordinator\'s transfer endpoint (its farm.listen), http:// or https://')
    .requiredOption('--token-file <file>', 'this worker\'s token, as `freshet farm add-worker` printed it')
    .requiredOption('--targets <ids>', 'comma-separated target ids this worker builds for (debian-12,debian-12-rpm)')
    .option('--arch <arch>', 'the architecture it builds (default: this machine\'s, in Debian\'s naming)')
    .requiredOption('--work-dir <dir>', 'folder for jobs and image logs; shared with nothing')
    .option('--name <name>', 'the name results are reported under (default: the host name)')
    .option('--concurrency <n>', 'jobs at a time, over all its targets', '1')
    .option('--engine <engine>', 'container engine: podman or docker', 'podman')
    .option('--lock-seconds <s>', 'a job this worker stops renewing for this long goes to another worker', '30')
    .option('--heartbeat-seconds <s>', 'how often it reports its health to Redis; missing three in a row, it shows as lost', '5')
    .action(action(async (options: WorkerCommandOptions) => (await import('../actions/worker.js')).worker(options)));
};
