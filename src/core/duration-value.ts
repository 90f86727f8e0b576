const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

// Apart from the schemas in duration.ts, so that resolving a cached config does not load zod (issue 17).

/** Milliseconds of a duration that `durationText` accepted. */
export function durationMs(text: string): number {
  const unit = text.at(-1) as keyof typeof UNIT_MS;
  return Number(text.slice(0, -1)) * UNIT_MS[unit];
}

export function percentFraction(text: string): number {
  return Number(text.slice(0, -1)) / 100;
}
