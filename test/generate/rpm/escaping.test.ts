import { describe, expect, it } from 'vitest';
import { RPM_LINE_GUARD } from '../../../src/generate/helpers.js';
import { renderSpec } from '../../../src/generate/rpm/render.js';
import { changelogDate, rpmFilePath, splitEvr } from '../../../src/generate/rpm/view.js';
import { CASES, specInput } from './cases.js';

const hello = () => specInput(CASES[0]!);

/** Lines of a spec that rpm would read as a section or macro directive (start with one `%`). */
function directives(spec: string): string[] {
  return spec.split('\n').filter((line) => /^%[^%]/.test(line));
}

describe('rpm macro escaping', () => {
  it('case 15: renders a %(id) in the description as %%(id), which rpm prints literally', () => {
    const input = hello();
    input.recipe.description = 'Runs %(id) at parse time? No.\nNor %{lua: os.execute("id")}';
    const spec = renderSpec(input);
    expect(spec).toContain('Runs %%(id) at parse time? No.\nNor %%{lua: os.execute("id")}\n');
    expect(spec).not.toMatch(/[^%]%\(id\)/);
  });

  it('case 34: guards description lines rpm would read as a section, conditional, %include or comment', () => {
    const input = hello();
    const before = directives(renderSpec(input));
    input.recipe.description = 'A greeting.\n%package evil\n%post -p /bin/sh\n  %if 0\n%include /etc/hostname\n# heading\n%{lua: print("x")}';
    const spec = renderSpec(input);
    expect(directives(spec)).toEqual(before);
    const guard = RPM_LINE_GUARD;
    expect(spec).toContain(
      `%description\nA greeting.\n${guard}%%package evil\n${guard}%%post -p /bin/sh\n${guard}  %%if 0\n${guard}%%include /etc/hostname\n${guard}# heading\n${guard}%%{lua: print("x")}\n`,
    );
  });

  it('case 34: quotes a custom step word holding %, so no build line begins with %', () => {
    const input = hello();
    input.recipe.build = { system: 'custom', steps: { build: [['%post', '%{lua: print("x")}']], install: [['true']] } };
    const spec = renderSpec(input);
    expect(spec).toContain(`\n'%%post' '%%{lua: print("x")}'\n`);
    expect(spec.split('\n').filter((line) => /^%%?post/.test(line))).toEqual([]);
  });

  it('case 39: refuses a tarball top folder that is not as plain as a version, naming the recipe and the tarball', () => {
    for (const topDir of ["x';id;'", 'a b', '-n', '$(id)', 'x\ny', '../x', '%{lua:x}']) {
      const input = { ...hello(), topDir };
      expect(() => renderSpec(input)).toThrow(/^hello: upstream tarball hello-2\.12\.3\.tar\.gz: refusing top folder /);
    }
    expect(renderSpec({ ...hello(), topDir: 'hello-2.12.3+dfsg~rc1_x' })).toContain("%autosetup -p1 -n 'hello-2.12.3+dfsg~rc1_x'\n");
  });

  it('case 15: escapes % in one-line tags and refuses a newline there', () => {
    const input = hello();
    input.recipe.summary = '100% greeting';
    expect(renderSpec(input)).toContain('Summary:        100%% greeting\n');
    input.recipe.summary = 'two\nlines';
    expect(() => renderSpec(input)).toThrow(/must be one line/);
  });

  it('case 15: quotes and escapes build arguments for the shell and rpm', () => {
    const input = hello();
    input.recipe.build = { ...input.recipe.build, configure: ['--with-x=a b', '--pct=%{_bindir}'] };
    expect(renderSpec(input)).toContain("%configure '--with-x=a b' '--pct=%%{_bindir}'\n");
  });

  it('refuses a % in a file pattern and unknown placeholders', () => {
    expect(() => rpmFilePath('%{_bindir}/x', 'files[0]')).toThrow(/"%" is not allowed/);
    expect(() => rpmFilePath('{nowhere}/x', 'files[0]')).toThrow(/unknown placeholder/);
    expect(rpmFilePath('{libdir}/libx.so.*', 'f')).toBe('%{_libdir}/libx.so.*');
    expect(rpmFilePath('etc/lynx/*', 'f')).toBe('/etc/lynx/*');
    expect(rpmFilePath('{mandir}/man1/x.1', 'f')).toBe('%{_mandir}/man1/x.1*');
  });
});

describe('versions and dates', () => {
  it('takes Version and Release from the planner literally, with the epoch apart', () => {
    expect(splitEvr('2.12.3-0.fc41.freshet1')).toEqual({ epoch: undefined, version: '2.12.3', release: '0.fc41.freshet1' });
    expect(splitEvr('1:2.0~rc1-0.deb12.freshet2')).toEqual({ epoch: '1', version: '2.0~rc1', release: '0.deb12.freshet2' });
    expect(() => splitEvr('2.12.3')).toThrow(/not an RPM/);
  });

  it('writes %changelog dates in UTC, English, whatever the time zone', () => {
    expect(changelogDate('2026-01-01T00:30:00+02:00')).toBe('Wed Dec 31 2025');
    expect(changelogDate('2026-01-01T12:00:00Z')).toBe('Thu Jan 01 2026');
  });

  it('case 16: renders the same bytes twice, in any time zone', () => {
    const first = renderSpec(hello());
    const zone = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      expect(renderSpec(hello())).toBe(first);
    } finally {
      process.env.TZ = zone;
    }
    expect(first).toContain('* Thu Jan 01 2026 Freshet Builder <builds@example.org> - 2.12.3-0.deb12.freshet1\n');
  });

  it('names the library package after the recipe and its dev package -devel', () => {
    const spec = renderSpec(specInput(CASES[1]!));
    expect(spec).toContain('Name:           libtasn1\n');
    expect(spec).toContain('%package devel\n');
    expect(spec).toContain('Requires:       libtasn1%{?_isa} = %{version}-%{release}\n');
    expect(spec).toContain('%files devel\n%{_includedir}/*\n%{_libdir}/libtasn1.so\n');
  });
});
