import { containersConfFile } from '../../paths.js';
import { createCliEngine } from '../cli-engine.js';

/**
 * podman, pointed at freshet's containers.conf unless the user chose one: the engine defaults
 * (crun, default ulimits) fail as root on some hosts; runc without extra ulimits works.
 */
export const podman = createCliEngine({
  name: 'podman',
  binary: 'podman',
  env: () => ({ CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? containersConfFile() }),
  forceRemove: ['rm', '--force', '--ignore', '--time=0'],
  storageRootQuery: ['info', '--format={{.Store.GraphRoot}}'],
});
