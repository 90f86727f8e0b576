import { describe, expect, it } from 'vitest';
import { renderSpec } from '../../../src/generate/rpm/render.js';
import type { Build } from '../../../src/recipe/schema.js';
import { CASES, specInput } from './cases.js';

/** The spec's %build, %install and %check for a build section (hello's recipe otherwise). */
function sections(build: Build): string {
  const input = specInput(CASES[0]!);
  input.recipe.build = build;
  const spec = renderSpec(input);
  return spec.slice(spec.indexOf('\n%build\n'), spec.indexOf('\n%files'));
}

const TIMED_OUT = 'echo "freshet: the upstream test suite ran longer than build.checkTimeoutMinutes';

describe('spec build sections', () => {
  it('passes the make arguments, {libdir} filled, to %install as to %build', () => {
    expect(sections({ system: 'make', make: ['MARK={libdir}', 'V=1'] })).toContain("\n%make_install PREFIX=%{_prefix} 'MARK=%{_libdir}' V=1\n");
    expect(sections({ system: 'make' })).toContain('\n%make_install PREFIX=%{_prefix}\n');
    expect(sections({ system: 'autotools', make: ['V=1'] })).toContain('\n%make_install V=1\n');
    const cmake = sections({ system: 'cmake', make: ['V=1'] });
    expect(cmake).toContain('\nDESTDIR=%{buildroot} %{__cmake} --build %{__cmake_builddir} --target install -- V=1\n');
    expect(cmake).not.toContain('%cmake_install');
    expect(sections({ system: 'cmake' })).toContain('\n%cmake_install\n');
  });

  it('a make target (lua\'s linux-readline) is built once: %install gets only the NAME=value arguments', () => {
    const make = sections({ system: 'make', make: ['linux-readline', 'V=1'] });
    expect(make).toContain('\n%make_build PREFIX=%{_prefix} linux-readline V=1\n');
    expect(make).toContain('\n%make_install PREFIX=%{_prefix} V=1\n');
    expect(sections({ system: 'cmake', make: ['all'] })).toContain('\n%cmake_install\n');
  });

  it('gives the test suite build.checkTimeoutMinutes (default 30), then kills its process group and fails saying why', () => {
    const autotools = sections({ system: 'autotools' });
    expect(autotools).toContain('\ntimeout --kill-after=10 1800 %{make_build} check || { status=$?; [ $status -ne 124 ] && [ $status -ne 137 ] || ');
    expect(autotools).toContain(`${TIMED_OUT} (30 min); its processes were killed" >&2; exit $status; }\n`);
    expect(sections({ system: 'cmake', checkTimeoutMinutes: 2 })).toContain("\ntimeout --kill-after=10 120 sh -ec '%{ctest}' || ");
    expect(sections({ system: 'meson', checkTimeoutMinutes: 3 })).toContain('\ntimeout --kill-after=10 180 %{meson_test} --timeout-multiplier 5 || ');
    expect(sections({ system: 'meson', checkTimeoutMinutes: 3 })).toContain(`${TIMED_OUT} (3 min)`);
  });

  it('gives meson\'s per-test timeouts room (--timeout-multiplier 5) as the deb side does: pixman\'s composite test ran past 120 s on a loaded worker', () => {
    expect(sections({ system: 'meson' })).toContain('\ntimeout --kill-after=10 1800 %{meson_test} --timeout-multiplier 5 || ');
    expect(sections({ system: 'meson', check: false })).not.toContain('--timeout-multiplier');
  });

  it('runs the first of the Makefile targets test and check, as dh_auto_test does, under the same timeout', () => {
    const make = sections({ system: 'make', checkTimeoutMinutes: 1 });
    expect(make).toContain('\n%check\n');
    expect(make).toContain('for target in test check; do\n');
    expect(make).toContain('\ntimeout --kill-after=10 60 %{make_build} $check_target || ');
    expect(sections({ system: 'make', check: false })).not.toContain('%check');
  });
});
