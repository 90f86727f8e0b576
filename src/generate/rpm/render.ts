import { ConfigError } from '../../core/errors.js';
import { packageName } from '../../recipe/fields.js';
import { createTemplateEngine, type TemplateEngine } from '../handlebars.js';
import { plainData } from '../plain-data.js';
import { rpmView, type RpmViewInput } from './view.js';

/**
 * Render the spec for one recipe and target. Pure: the same input gives the same bytes whatever
 * the folder, time zone or locale. The result is never parsed by rpm on the host — rpm runs
 * `%(...)` and `%{lua:...}` while parsing — only inside the build container.
 */
let defaultEngine: TemplateEngine | undefined;

function checkNames(input: RpmViewInput): void {
  const named: Array<[string, string]> = [
    ['name', input.recipe.name],
    ...input.recipe.packages.map((pkg, index): [string, string] => [`packages[${index}].name`, pkg.name]),
  ];
  for (const [field, value] of named) {
    if (!packageName.safeParse(value).success) throw new ConfigError(`${input.recipe.name}: ${field}: "${value}" is not a package name`);
  }
}

export function renderSpec(input: RpmViewInput, engine: TemplateEngine = (defaultEngine ??= createTemplateEngine())): string {
  checkNames(input);
  const recipe = plainData(input.recipe, input.recipe.name);
  const view = plainData(rpmView({ ...input, recipe }), recipe.name);
  return engine.render('rpm/spec', view);
}
