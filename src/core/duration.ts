import { z } from 'zod';

export { durationMs, percentFraction } from './duration-value.js';

/** A duration as operators write it in YAML: `30s`, `15m`, `6h`, `2d` (whole or decimal numbers). */
export const durationText = z.string().regex(/^\d+(\.\d+)?[smhd]$/, 'must be a number and a unit: 30s, 15m, 6h or 2d');

/** A share written as a percentage, `10%`: 0 to 50, so a check never moves by more than half its interval. */
export const percentText = z.string().regex(/^(50(\.0+)?|[1-4]?\d(\.\d+)?)%$/, 'must be a percentage from 0% to 50%');
