import { z } from 'zod';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration as operators write it in YAML: `30s`, `15m`, `6h`, `2d` (whole or decimal numbers). */
export const durationText = z.string().regex(/^\d+(\.\d+)?[smhd]$/, 'must be a number and a unit: 30s, 15m, 6h or 2d');

/** Milliseconds of a duration that `durationText` accepted. */
export function durationMs(text: string): number {
  const unit = text.at(-1) as keyof typeof UNIT_MS;
  return Number(text.slice(0, -1)) * UNIT_MS[unit];
}

/** A share written as a percentage, `10%`: 0 to 50, so a check never moves by more than half its interval. */
export const percentText = z.string().regex(/^(50(\.0+)?|[1-4]?\d(\.\d+)?)%$/, 'must be a percentage from 0% to 50%');

export function percentFraction(text: string): number {
  return Number(text.slice(0, -1)) / 100;
}
