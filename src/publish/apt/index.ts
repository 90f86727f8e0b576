import type { Publisher } from '../types.js';
import { publishApt, resignApt } from './publish.js';
import { listSuites } from '../../verify/apt.js';

export const aptPublisher: Publisher = {
  family: 'deb',
  publish: publishApt,
  resign: resignApt,
  suites: listSuites,
};
