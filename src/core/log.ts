import { redact } from './redact.js';

/**
 * Fixed messages with details as fields (`log.info('build done', { recipe, target })`), one line
 * each, redacted before they leave the process. Human lines go to stderr so that stdout stays
 * clean for `--json`.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;
export type LogSink = (line: string) => void;

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: LogLevel = (process.env.FRESHET_LOG_LEVEL as LogLevel | undefined) ?? 'info';
let sink: LogSink = (line) => process.stderr.write(`${line}\n`);

function format(level: LogLevel, message: string, fields?: LogFields): string {
  const details = fields
    ? Object.entries(fields)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ')
    : '';
  const prefix = level === 'info' ? '' : `${level}: `;
  return redact(`${prefix}${message}${details ? ` (${details})` : ''}`);
}

function emit(level: LogLevel, message: string, fields?: LogFields): void {
  if (order[level] < order[threshold]) return;
  sink(format(level, message, fields));
}

export const log = {
  debug: (message: string, fields?: LogFields) => emit('debug', message, fields),
  info: (message: string, fields?: LogFields) => emit('info', message, fields),
  warn: (message: string, fields?: LogFields) => emit('warn', message, fields),
  error: (message: string, fields?: LogFields) => emit('error', message, fields),
};

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/** Redirect log lines (the progress display and tests use this); returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}
