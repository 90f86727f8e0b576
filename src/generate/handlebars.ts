import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { UserError } from '../core/errors.js';
import { helpers, HelperError } from './helpers.js';

/**
 * Packaging files rendered from Handlebars templates. One isolated instance with only freshet's
 * helpers; templates are compiled strict (a missing field throws instead of rendering empty),
 * without HTML escaping (every value goes through a helper that escapes or refuses it for the
 * target grammar) and with known helpers only (an unknown helper is a compile error).
 */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** A template named a field the data lacks, or a helper refused a value; names the template. */
export class TemplateError extends UserError {
  readonly template: string;
  constructor(template: string, message: string, options: { cause?: unknown } = {}) {
    super(`template ${template}: ${message}`, options);
    this.name = 'TemplateError';
    this.template = template;
  }
}

const knownHelpers = Object.fromEntries(Object.keys(helpers).map((name) => [name, true]));

const COMPILE_OPTIONS = {
  strict: true,
  noEscape: true,
  knownHelpersOnly: true,
  knownHelpers,
  // Lets helpers name the field a refused value came from (`options.ids`).
  trackIds: true,
} as CompileOptions;

type CompileOptions = NonNullable<Parameters<typeof Handlebars.compile>[1]>;

const RUNTIME_OPTIONS = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
} as const;

export interface TemplateEngine {
  /** Render `name` (a path under the templates folder, without `.hbs`) with plain data. */
  render(name: string, data: object): string;
  has(name: string): boolean;
}

function listTemplates(root: string, dir = ''): string[] {
  const entries = readdirSync(path.join(root, dir), { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...listTemplates(root, relative));
    else if (entry.name.endsWith('.hbs')) found.push(relative.slice(0, -'.hbs'.length));
  }
  return found.sort();
}

function compileOne(instance: typeof Handlebars, name: string, source: string): HandlebarsTemplateDelegate {
  try {
    const template = instance.compile(source, COMPILE_OPTIONS);
    // Compilation is lazy: force it now so a template naming an unknown helper fails at load.
    instance.precompile(source, COMPILE_OPTIONS);
    return template;
  } catch (error) {
    throw new TemplateError(name, (error as Error).message, { cause: error });
  }
}

/**
 * Load every template under `root`. Files in a `*.d/` folder are partials, named by their base
 * name (`rules.d/cmake.hbs` is `{{> cmake}}`).
 */
export function createTemplateEngine(root: string = TEMPLATES_DIR): TemplateEngine {
  const instance = Handlebars.create();
  for (const [name, helper] of Object.entries(helpers)) instance.registerHelper(name, helper);
  const templates = new Map<string, HandlebarsTemplateDelegate>();
  for (const name of listTemplates(root)) {
    const compiled = compileOne(instance, name, readFileSync(path.join(root, `${name}.hbs`), 'utf8'));
    const folder = path.posix.dirname(name);
    if (folder.endsWith('.d')) instance.registerPartial(path.posix.basename(name), compiled);
    else templates.set(name, compiled);
  }
  return {
    has: (name) => templates.has(name),
    render(name, data) {
      const template = templates.get(name);
      if (!template) throw new TemplateError(name, 'no such template');
      try {
        return template(data, RUNTIME_OPTIONS);
      } catch (error) {
        if (error instanceof HelperError) throw new TemplateError(name, error.message, { cause: error });
        if (error instanceof UserError) throw error;
        throw new TemplateError(name, describeHandlebarsError(error), { cause: error });
      }
    },
  };
}

/** Strict mode says `"foo" not defined in [object Object] - 3:5`; say which field at which line. */
function describeHandlebarsError(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  const missing = /^"([^"]+)" not defined in .* - (\d+):(\d+)$/s.exec(message);
  if (missing) return `field "${missing[1]}" is missing (line ${missing[2]}, column ${Number(missing[3]) + 1})`;
  return message;
}
