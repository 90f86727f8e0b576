/**
 * One freshet step of the YUM bench (yum.ts) in a process of its own:
 * `SUITE --publish ARTIFACTS CONFIG` or `SUITE --resign CONFIG`, calling publishYum and resignYum as `freshet run` does. It imports only
 * what a publish needs and reads the config as the CLI does (the validated-config cache), so the
 * process start it pays is the CLI's, not the bench's.
 */
import { readFileSync } from 'node:fs';
import { loadConfigCached } from '../../src/config/cached.js';
import { setLogLevel } from '../../src/core/log.js';
import { mainArchive } from '../../src/publish/api.js';
import { publishYum, resignYum } from '../../src/publish/yum/publish.js';
import type { BuildArtifact } from '../../src/types.js';

const [suite, step, ...rest] = process.argv.slice(2) as [string, string, ...string[]];
if (!process.env.FRESHET_LOG_LEVEL) setLogLevel('warn');
const config = await loadConfigCached(rest.at(-1)!);
const archive = mainArchive(config);
if (step === '--resign') await resignYum({ config, archive, suite });
else await publishYum({ config, archive, suite, add: [{ artifacts: JSON.parse(readFileSync(rest[0]!, 'utf8')) as BuildArtifact[] }] });
