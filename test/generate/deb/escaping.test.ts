import { describe, expect, it } from 'vitest';
import { renderDebianFiles, type RenderDebianInput } from '../../../src/generate/deb/render.js';
import { CASES, renderInput } from './cases.js';

/** deb822 stanzas as field-name lists: what a parser such as dpkg would see. */
function fieldsOf(text: string): string[][] {
  return text
    .split(/\n\n+/)
    .filter((stanza) => stanza.trim() !== '')
    .map((stanza) =>
      stanza
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith(' ') && !line.startsWith('\t'))
        .map((line) => line.slice(0, line.indexOf(':'))),
    );
}

async function file(input: RenderDebianInput, name: string): Promise<string> {
  const found = (await renderDebianFiles(input)).find((item) => item.path === name);
  if (!found) throw new Error(`no ${name}`);
  return found.content.toString('utf8');
}

const hello = () => renderInput(CASES[0]!);

describe('case 15: deb822 field injection', () => {
  it('keeps a description line that tries to start a field inside the Description', async () => {
    const input = hello();
    input.recipe.description = 'A greeting.\nDepends: evil\n\nPackage: evil\nArchitecture: all';
    const control = await file(input, 'debian/control');
    expect(fieldsOf(control)).toEqual([
      ['Source', 'Section', 'Priority', 'Maintainer', 'Build-Depends', 'Standards-Version', 'Homepage', 'Rules-Requires-Root'],
      ['Package', 'Architecture', 'Depends', 'Description'],
    ]);
    expect(control).toContain('\n Depends: evil\n .\n Package: evil\n Architecture: all\n');
  });

  it('refuses a newline in a one-line value, naming template and field', async () => {
    const input = hello();
    input.recipe.summary = 'greeting\nDepends: evil';
    await expect(renderDebianFiles(input)).rejects.toThrow(/template debian\/control: deb822Text: field "synopsis": must be one line/);
  });

  it('refuses a newline in a dependency', async () => {
    const input = hello();
    input.recipe.packages[0]!.depends = ['libc6\nPackage: evil'];
    await expect(renderDebianFiles(input)).rejects.toThrow(/template debian\/control: deb822List: field "depends\[2\]"/);
  });

  it('refuses a changelog maintainer with a newline', async () => {
    const input = hello();
    input.maintainer = 'x <x@example.org>\n\nhello (9.9) unstable; urgency=high';
    await expect(renderDebianFiles(input)).rejects.toThrow(/template debian\/changelog: deb822Value: field "maintainer"/);
  });
});

describe('case 15: make and shell injection in debian/rules', () => {
  it('quotes $ and backticks from configure arguments so make and the shell pass them literally', async () => {
    const input = hello();
    input.recipe.build.configure = ['--with-x=$(shell id)', '`id`', "it's"];
    const rules = await file(input, 'debian/rules');
    expect(rules).toContain(`\tdh_auto_configure -- '--with-x=$$(shell id)' '\`id\`' 'it'\\''s'\n`);
  });

  it('refuses a newline in a configure argument, which would add a make recipe line', async () => {
    const input = hello();
    input.recipe.build.configure = ['--ok', 'x\n\trm -rf /'];
    await expect(renderDebianFiles(input)).rejects.toThrow(/template debian\/rules: makeCommand: field "build.configure\[1\]"/);
  });

  it('doubles $ in build environment values and refuses a make comment', async () => {
    const input = hello();
    input.recipe.build.env = { CFLAGS: '-O2 $(HOME)' };
    expect(await file(input, 'debian/rules')).toContain('export CFLAGS = -O2 $$(HOME)\n');
    input.recipe.build.env = { CFLAGS: '-O2 # x' };
    await expect(renderDebianFiles(input)).rejects.toThrow(/template debian\/rules: makeValue/);
  });

  it('quotes custom steps and smoke commands per argument', async () => {
    const input = hello();
    input.recipe.build = { system: 'custom', steps: { build: [['sh', '-c', 'echo $HOME']], install: [['cp', 'a b', 'c']] } };
    input.recipe.gate = { smoke: [['hello', "it's `id`"]] };
    const rules = await file(input, 'debian/rules');
    expect(rules).toContain("\tsh -c 'echo $$HOME'\n");
    expect(rules).toContain("\tDESTDIR=$(CURDIR)/debian/hello cp 'a b' c\n");
    expect(await file(input, 'debian/tests/control')).toContain(`Test-Command: hello 'it'\\''s \`id\`'\n`);
  });
});

describe('names that become file names', () => {
  it.each([['../../etc/evil'], ['Hello'], ['a/b']])('refuses package name %j', async (name) => {
    const input = hello();
    input.recipe.packages[0]!.name = name;
    await expect(renderDebianFiles(input)).rejects.toThrow(/packages\[0\]\.name: .* is not a Debian package name/);
  });
  it('refuses a patch path that leaves the recipe folder', async () => {
    const input = hello();
    input.recipe.patches = ['../../../etc/passwd'];
    await expect(renderDebianFiles(input)).rejects.toThrow(/patches\[0\]: .* must be a relative path inside the recipe folder/);
  });
});

describe('case 13: prototype keys in recipe data', () => {
  it('refuses __proto__ smuggled in through parsed JSON, and Object.prototype stays clean', async () => {
    const input = hello();
    input.recipe.build.env = JSON.parse('{"__proto__": {"polluted": "yes"}, "CFLAGS": "-O2"}') as Record<string, string>;
    await expect(renderDebianFiles(input)).rejects.toThrow(/hello\.build\.env: key "__proto__" is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a constructor key on a package', async () => {
    const input = hello();
    Object.assign(input.recipe.packages[0]!, { constructor: { name: 'evil' } });
    await expect(renderDebianFiles(input)).rejects.toThrow(/key "constructor" is not allowed/);
  });

  it('refuses a class instance where plain data belongs', async () => {
    const input = hello();
    (input.recipe as unknown as Record<string, unknown>).homepage = new URL('https://example.org/');
    await expect(renderDebianFiles(input)).rejects.toThrow(/non-plain object/);
  });
});
