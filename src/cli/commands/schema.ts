import { action, type RegisterCommand } from '../context.js';

export const SCHEMA_FILES = { recipe: 'recipes/recipe.schema.json', config: 'docs/config.schema.json' } as const;

export interface SchemaOptions {
  configSchema?: boolean;
  write?: boolean;
}

export const registerSchema: RegisterCommand = (program) => {
  program
    .command('schema')
    .description('print the JSON Schema of recipes (or config), generated from the validator')
    .option('--config-schema', 'the config file schema instead of the recipe schema')
    .option('--write', `write both to ${Object.values(SCHEMA_FILES).join(' and ')}`)
    .action(action(async (options: SchemaOptions) => (await import('../actions/schema.js')).schema(options)));
};
