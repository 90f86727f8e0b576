import { setLogSink, type LogSink } from '../core/log.js';

/**
 * Job progress: on a terminal, a live table of each job's state and elapsed time, redrawn in
 * place; elsewhere (CI, pipes), one plain line per state change. Log lines printed meanwhile go
 * above the table.
 */
export type JobState = 'queued' | 'running' | 'ok' | 'failed' | 'skipped' | 'cancelled';

interface JobLine {
  label: string;
  state: JobState;
  step: string;
  startedAt: number | undefined;
  endedAt: number | undefined;
}

const symbols: Record<JobState, string> = { queued: '·', running: '▶', ok: '✓', failed: '✗', skipped: '–', cancelled: '■' };

function elapsed(line: JobLine, now: number): string {
  if (line.startedAt === undefined) return '';
  const seconds = Math.round(((line.endedAt ?? now) - line.startedAt) / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

export class Progress {
  private readonly jobs = new Map<string, JobLine>();
  private readonly live: boolean;
  private readonly write: (text: string) => void;
  private drawnLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private previousSink: LogSink | undefined;

  constructor(options: { live?: boolean; write?: (text: string) => void } = {}) {
    this.live = options.live ?? (process.stderr.isTTY === true && process.env.CI === undefined);
    this.write = options.write ?? ((text) => process.stderr.write(text));
  }

  start(): void {
    if (!this.live) return;
    this.previousSink = setLogSink((line) => {
      this.clear();
      this.write(`${line}\n`);
      this.draw();
    });
    this.timer = setInterval(() => this.redraw(), 500);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.previousSink) setLogSink(this.previousSink);
    this.redraw();
    this.drawnLines = 0;
  }

  add(id: string, label: string): void {
    this.jobs.set(id, { label, state: 'queued', step: '', startedAt: undefined, endedAt: undefined });
    this.redraw();
  }

  update(id: string, state: JobState, step = ''): void {
    const job = this.jobs.get(id);
    if (!job) return;
    const now = Date.now();
    if (state === 'running' && job.startedAt === undefined) job.startedAt = now;
    if (state !== 'running' && state !== 'queued') job.endedAt = now;
    const changed = job.state !== state || job.step !== step;
    job.state = state;
    job.step = step;
    if (this.live) this.redraw();
    else if (changed) this.write(`${job.label}: ${state}${step ? ` (${step})` : ''}${job.endedAt ? ` in ${elapsed(job, now)}` : ''}\n`);
  }

  counts(): Record<JobState, number> {
    const counts: Record<JobState, number> = { queued: 0, running: 0, ok: 0, failed: 0, skipped: 0, cancelled: 0 };
    for (const job of this.jobs.values()) counts[job.state] += 1;
    return counts;
  }

  private clear(): void {
    if (this.drawnLines > 0) this.write(`\u001b[${this.drawnLines}F\u001b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    if (!this.live) return;
    const now = Date.now();
    const width = Math.max(...[...this.jobs.values()].map((job) => job.label.length), 10);
    const lines = [...this.jobs.values()].map(
      (job) => `${symbols[job.state]} ${job.label.padEnd(width)}  ${job.state.padEnd(9)} ${elapsed(job, now).padStart(6)}  ${job.step}`,
    );
    if (lines.length > 0) this.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  private redraw(): void {
    if (!this.live) return;
    this.clear();
    this.draw();
  }
}
