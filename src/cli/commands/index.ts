import type { RegisterCommand } from '../context.js';
import { registerImages } from './images.js';
import { registerLint } from './lint.js';
import { registerSchema } from './schema.js';

/** Every subcommand, in the order `freshet --help` lists them. */
export const commands: RegisterCommand[] = [registerLint, registerSchema, registerImages];
