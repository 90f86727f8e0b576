import { describe, expect, it } from 'vitest';
import type { ContainerEngine, ContainerInfo } from '../../src/build/engine/types.js';
import { cleanupStaleContainers, isStale, OWNER_LABEL, ownerLabels, RUN_LABEL } from '../../src/build/labels.js';
import { setLogSink } from '../../src/core/log.js';

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

describe('cleanupStaleContainers', () => {
  it('removes only labelled containers of gone processes, not containers that inherit an empty label from an image', async () => {
    const listed: ContainerInfo[] = [
      { id: 'a', name: 'gone', labels: { [RUN_LABEL]: 'job', [OWNER_LABEL]: '999999999:t' } },
      { id: 'b', name: 'mine', labels: ownerLabels('job') },
      { id: 'c', name: 'from-deps-image', labels: { [RUN_LABEL]: '', [OWNER_LABEL]: '' } },
    ];
    const removed: string[] = [];
    const engine = {
      listContainers: async () => listed,
      removeContainers: async (ids: readonly string[]) => void removed.push(...ids),
    } as unknown as ContainerEngine;
    const previous = setLogSink(() => undefined);
    try {
      expect(await cleanupStaleContainers(engine)).toEqual(['gone']);
    } finally {
      setLogSink(previous);
    }
    expect(removed).toEqual(['a']);
  });
});
