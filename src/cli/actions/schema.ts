import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Config } from '../../config/schema.js';
import { ExitCode } from '../../core/errors.js';
import { Recipe } from '../../recipe/schema.js';
import { SCHEMA_FILES, type SchemaOptions } from '../commands/schema.js';

export function jsonSchemas(): Record<keyof typeof SCHEMA_FILES, string> {
  const render = (schema: z.ZodType, title: string) =>
    `${JSON.stringify({ title, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) }, null, 2)}\n`;
  return { recipe: render(Recipe, 'freshet recipe'), config: render(Config, 'freshet config') };
}

export async function schema(options: SchemaOptions): Promise<ExitCode> {
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
}
