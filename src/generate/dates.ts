import { ConfigError } from '../core/errors.js';

/**
 * Changelog dates for both families, in UTC and English whatever the machine's time zone and
 * locale, so that generating twice gives the same bytes.
 */
export const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function changelogInstant(date: string | Date): Date {
  const when = typeof date === 'string' ? new Date(date) : date;
  if (Number.isNaN(when.getTime())) throw new ConfigError(`changelog date: "${String(date)}" is not a valid date`);
  return when;
}

export const twoDigits = (n: number) => String(n).padStart(2, '0');
