import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Config } from '../../config/schema.js';
import { ExitCode } from '../../core/errors.js';
import { Recipe } from '../../recipe/schema.js';
import { action, type RegisterCommand } from '../context.js';

export const SCHEMA_FILES = { recipe: 'recipes/recipe.schema.json', config: 'docs/config.schema.json' } as const;

export function jsonSchemas(): Record<keyof typeof SCHEMA_FILES, string> {
  const render = (schema: z.ZodType, title: string) =>
    `${JSON.stringify({ title, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) }, null, 2)}\n`;
  return { recipe: render(Recipe, 'freshet recipe'), config: render(Config, 'freshet config') };
}

export const registerSchema: RegisterCommand = (program) => {
  program
    .command('schema')
    .description('print the JSON Schema of recipes (or config), generated from the validator')
    .option('--config-schema', 'the config file schema instead of the recipe schema')
    .option('--write', `write both to ${Object.values(SCHEMA_FILES).join(' and ')}`)
    .action(
      action(async (options: { configSchema?: boolean; write?: boolean }) => {
        const schemas = jsonSchemas();
        if (options.write) {
          for (const [kind, file] of Object.entries(SCHEMA_FILES)) {
            mkdirSync(path.dirname(file), { recursive: true });
            writeFileSync(file, schemas[kind as keyof typeof SCHEMA_FILES]);
          }
          return ExitCode.ok;
        }
        process.stdout.write(options.configSchema ? schemas.config : schemas.recipe);
        return ExitCode.ok;
      }),
    );
};
