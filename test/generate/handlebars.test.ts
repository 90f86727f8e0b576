import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTemplateEngine, TemplateError } from '../../src/generate/handlebars.js';

function engineWith(templates: Record<string, string>) {
  const root = mkdtempSync(path.join(tmpdir(), 'freshet-templates-'));
  for (const [name, text] of Object.entries(templates)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, `${name}.hbs`), text);
  }
  return createTemplateEngine(root);
}

describe('createTemplateEngine', () => {
  it('renders without HTML escaping', () => {
    const engine = engineWith({ t: 'Depends: {{deb822Value dep}}\n' });
    expect(engine.render('t', { dep: 'a (>= 1) & <b>' })).toBe('Depends: a (>= 1) & <b>\n');
  });

  it('case 14: names the template and field when a field is missing, never rendering it empty', () => {
    const engine = engineWith({ 'debian/control': 'Source: {{deb822Value source}}\nMaintainer: {{maintainer}}\n' });
    expect(() => engine.render('debian/control', { source: 'hello' })).toThrow(
      /template debian\/control: field "maintainer" is missing \(line 2/,
    );
  });

  it('case 14: names the template and field when a helper gets nothing', () => {
    const engine = engineWith({ 'debian/control': 'Source: {{deb822Value source}}\n' });
    expect(() => engine.render('debian/control', {})).toThrow(/template debian\/control: deb822Value: field "source": expected text, got nothing/);
  });

  it('case 14: refuses a template naming an unknown helper when it loads', () => {
    expect(() => engineWith({ bad: '{{shout name}}\n' })).toThrow(TemplateError);
    expect(() => engineWith({ bad: '{{shout name}}\n' })).toThrow(/template bad: .*unknown helper shout/);
  });

  it('does not reach prototype properties or methods through the data', () => {
    const engine = engineWith({
      proto: '{{#with this}}[{{#if constructor}}ctor{{/if}}{{#if __proto__}}proto{{/if}}{{#if toString}}method{{/if}}]{{/with}}\n',
    });
    expect(engine.render('proto', { name: 'x' })).toBe('[]\n');
    expect(() => engineWith({ p: '{{constructor.name}}\n' }).render('p', {})).toThrow(TemplateError);
    // constructor is not looked up on the prototype, so its name is missing.
    expect(() => engineWith({ p: '{{constructor.name}}\n' }).render('p', {})).toThrow(/^template p: field "name" is missing/);
  });

  it('uses partials from *.d folders by their base name', () => {
    const engine = engineWith({ 'main': 'A\n{{> (lookup this "kind")}}', 'main.d/one': 'one {{deb822Value v}}\n' });
    expect(engine.render('main', { kind: 'one', v: 'x' })).toBe('A\none x\n');
    expect(() => engine.render('main', { kind: 'two', v: 'x' })).toThrow(/template main: .*partial two could not be found/);
  });
});
