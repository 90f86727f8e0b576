import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { classifyFailure, evidenceOf } from '../../src/pipeline/failure-class.js';
import { JobLostError } from '../../src/pipeline/job-lost.js';

describe('a farm job the queue gave up on', () => {
  it('case 52: is an infrastructure failure (its worker was lost), whatever step it was in', () => {
    const lost = new JobLostError('farm job hello_debian-12_2.12.3_r1 failed on every attempt: job stalled more than allowable limit');
    expect(classifyFailure(evidenceOf('build', lost, lost.message))).toEqual({ class: 'infrastructure', reason: 'the worker running the job was lost' });
    expect(classifyFailure(evidenceOf('images', lost, lost.message)).class).toBe('infrastructure');
    // The same words from anything else are the package's.
    const other = new UserError(lost.message);
    expect(classifyFailure(evidenceOf('build', other, other.message)).class).toBe('packaging');
  });
});
