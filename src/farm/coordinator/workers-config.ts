import { readFileSync } from 'node:fs';
import { isMap, isSeq, type Document } from 'yaml';
import { Config } from '../../config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { writeFileAtomic } from '../../publish/fs-atomic.js';
import { parseYaml, validate } from '../../recipe/yaml.js';
import { generateToken, tokenSha256 } from './tokens.js';

/**
 * `freshet farm add-worker` and `remove-worker` edit `farm.workers` in the config file in place,
 * keeping its comments and layout; the result is validated before it replaces the file.
 */
function indexOfWorker(document: Document, name: string): number {
  const workers = document.getIn(['farm', 'workers']);
  if (workers === undefined) return -1;
  if (!isSeq(workers)) throw new ConfigError('farm.workers: must be a list');
  return workers.items.findIndex((item) => isMap(item) && item.get('name') === name);
}

async function rewrite(file: string, document: Document): Promise<void> {
  // No line folding: the operator's own lines stay as they were.
  const text = document.toString({ lineWidth: 0 });
  validate(Config, parseYaml(text, file), file);
  await writeFileAtomic(file, text);
}

/** Record a fresh token's hash for worker `name` and return the token, which is stored nowhere. */
export async function addWorker(file: string, name: string, options: { replace?: boolean } = {}): Promise<{ name: string; token: string; tokenSha256: string }> {
  const { document } = parseYaml(readFileSync(file, 'utf8'), file);
  const token = generateToken();
  const digest = tokenSha256(token);
  const index = indexOfWorker(document, name);
  if (index >= 0 && !options.replace) {
    throw new ConfigError(`${file}: farm.workers[${index}]: a worker named ${name} exists`, { hint: 'pass --replace to give it a new token (its old one stops working)' });
  }
  const entry = document.createNode({ name, tokenSha256: digest });
  if (index >= 0) document.setIn(['farm', 'workers', index, 'tokenSha256'], digest);
  else if (document.hasIn(['farm', 'workers'])) document.addIn(['farm', 'workers'], entry);
  else document.setIn(['farm', 'workers'], document.createNode([entry]));
  await rewrite(file, document);
  return { name, token, tokenSha256: digest };
}

export async function removeWorker(file: string, name: string): Promise<void> {
  const { document } = parseYaml(readFileSync(file, 'utf8'), file);
  const index = indexOfWorker(document, name);
  if (index < 0) throw new ConfigError(`${file}: farm.workers: no worker named ${name}`);
  document.deleteIn(['farm', 'workers', index]);
  await rewrite(file, document);
}
