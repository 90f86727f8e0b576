import type { RegisterCommand } from '../context.js';
import { registerExplain } from './explain.js';
import { registerForget } from './forget.js';
import { registerGenerate } from './generate.js';
import { registerImages } from './images.js';
import { registerKey } from './key.js';
import { registerLint } from './lint.js';
import { registerNew } from './new.js';
import { registerMirror } from '../../mirror/cli.js';
import { registerPublish } from './publish.js';
import { registerRun } from './run.js';
import { registerSchema } from './schema.js';
import { registerServe } from './serve.js';
import { registerStatus } from './status.js';
import { registerVerify } from './verify.js';
import { registerWatch } from './watch.js';

/** Every subcommand, in the order `freshet --help` lists them. */
export const commands: RegisterCommand[] = [registerLint, registerNew, registerSchema, registerWatch, registerForget, registerRun, registerImages, registerGenerate, registerExplain, registerPublish, registerKey, registerVerify, registerMirror, registerServe, registerStatus];
