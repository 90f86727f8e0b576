import type { RegisterCommand } from '../context.js';
import { registerGenerate } from './generate.js';
import { registerImages } from './images.js';
import { registerKey } from './key.js';
import { registerLint } from './lint.js';
import { registerMirror } from '../../mirror/cli.js';
import { registerPublish } from './publish.js';
import { registerSchema } from './schema.js';
import { registerVerify } from './verify.js';
import { registerWatch } from './watch.js';

/** Every subcommand, in the order `freshet --help` lists them. */
export const commands: RegisterCommand[] = [registerLint, registerSchema, registerWatch, registerImages, registerGenerate, registerPublish, registerKey, registerVerify, registerMirror];
