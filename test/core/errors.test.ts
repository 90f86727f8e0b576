import { describe, expect, it } from 'vitest';
import { asUserError, ExitCode, isUserError, systemFault, UserError } from '../../src/core/errors.js';

const errno = (code: string, path?: string) => Object.assign(new Error(`${code}: failed, write`), { code, path });

describe('systemFault', () => {
  it('turns a full disk into a user error naming the path and the fault', () => {
    const fault = systemFault(errno('ENOSPC', '/srv/archive/rpm/x/packages/.a.rpm.tmp'));
    expect(isUserError(fault)).toBe(true);
    expect(fault!.message).toBe('/srv/archive/rpm/x/packages/.a.rpm.tmp: no space left on device (ENOSPC)');
    expect(fault!.cliExit).toBe(ExitCode.failed);
    expect(fault!.hint).toMatch(/make room/);
  });

  it('names I/O errors and read-only file systems without a path too', () => {
    expect(systemFault(errno('EIO'))!.message).toBe('input/output error (EIO)');
    expect(systemFault(errno('EROFS', '/srv'))!.message).toBe('/srv: read-only file system (EROFS)');
  });

  it('leaves bugs and other errors alone', () => {
    expect(systemFault(new TypeError('x is undefined'))).toBeUndefined();
    expect(systemFault(errno('ENOENT', '/nope'))).toBeUndefined();
    // Too many open files is a leak in freshet more often than a limit of the machine.
    expect(systemFault(errno('EMFILE'))).toBeUndefined();
    expect(systemFault(errno('toString'))).toBeUndefined();
    expect(systemFault(undefined)).toBeUndefined();
  });
});

describe('asUserError', () => {
  it('keeps user errors, turns system faults into them, and leaves bugs alone', () => {
    const given = new UserError('recipes/x.yaml: bad');
    expect(asUserError(given)).toBe(given);
    expect(asUserError(errno('ENOSPC', '/srv'))?.message).toBe('/srv: no space left on device (ENOSPC)');
    expect(asUserError(new RangeError('bug'))).toBeUndefined();
  });
});
