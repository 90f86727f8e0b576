import { describe, expect, it } from 'vitest';
import { isStale, OWNER_LABEL, ownerLabels, RUN_LABEL } from '../../src/build/labels.js';

const container = (labels: Record<string, string>) => ({ id: 'c1', name: 'freshet-build-x', labels });

describe('isStale', () => {
  it('keeps containers of this process', () => {
    expect(isStale(container(ownerLabels('job-1')))).toBe(false);
  });

  it('keeps containers of another live freshet process', () => {
    expect(isStale(container({ [RUN_LABEL]: 'x', [OWNER_LABEL]: `${process.ppid}:token` }))).toBe(false);
  });

  it('removes containers whose process is gone, or an earlier process that had our pid', () => {
    expect(isStale(container({ [RUN_LABEL]: 'x', [OWNER_LABEL]: '999999999:token' }))).toBe(true);
    expect(isStale(container({ [RUN_LABEL]: 'x', [OWNER_LABEL]: `${process.pid}:another-token` }))).toBe(true);
    expect(isStale(container({ [RUN_LABEL]: 'x' }))).toBe(true);
  });
});
