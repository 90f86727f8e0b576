import type { Publisher } from '../types.js';
import { listRepos } from './layout.js';
import { publishYum, resignYum } from './publish.js';

export const yumPublisher: Publisher = {
  family: 'rpm',
  publish: publishYum,
  resign: resignYum,
  suites: listRepos,
};
