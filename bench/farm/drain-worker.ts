import { createInterface } from 'node:readline';
import { Worker } from 'bullmq';

/**
 * One BullMQ worker process for bench/farm/queue.ts: takes jobs and does no work, so what is
 * measured is the queue. Waits for `go` on stdin before it takes a job (its start-up is not
 * timed), and on `stop` closes, then prints what it did as one JSON line.
 * Usage: node drain-worker.js REDIS_URL QUEUE CONCURRENCY
 */
const [url, queueName, concurrency] = process.argv.slice(2) as [string, string, string];
const { hostname, port, password } = new URL(url);
let processed = 0;
const worker = new Worker(
  queueName,
  async (job) => {
    processed++;
    return { id: job.id, status: 'built' };
  },
  {
    connection: { host: hostname, port: Number(port), password: password ? decodeURIComponent(password) : undefined },
    concurrency: Number(concurrency),
    autorun: false,
  },
);
await worker.waitUntilReady();
process.stdout.write('ready\n');

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') void worker.run();
  if (line === 'stop') {
    await worker.close();
    process.stdout.write(`${JSON.stringify({ processed, maxRssKb: process.resourceUsage().maxRSS })}\n`);
    process.exit(0);
  }
}
