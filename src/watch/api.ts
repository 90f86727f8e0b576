import type { Upstream } from '../recipe/schema.js';
import { debian } from './debian/index.js';
import { github } from './github/index.js';
import { gitlab } from './gitlab/index.js';
import { htmlIndex } from './html-index/index.js';
import { npm } from './npm/index.js';
import { pypi } from './pypi/index.js';
import type { UpstreamSource } from './types.js';

type Sources = { [K in Upstream['kind']]: UpstreamSource<Extract<Upstream, { kind: K }>> };

/** Every upstream kind, by the `kind` a recipe names. A test checks this against the folders. */
export const sources: Sources = {
  'html-index': htmlIndex,
  github,
  gitlab,
  npm,
  pypi,
  debian,
};

export function sourceFor<U extends Upstream>(upstream: U): UpstreamSource<U> {
  return sources[upstream.kind] as unknown as UpstreamSource<U>;
}
