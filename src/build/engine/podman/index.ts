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
  // The build is PID 1 of a PID namespace of its own (with its own /proc, which runc reads), killed
  // when unshare dies, which dies with freshet (parent-death signal): the kernel then kills every
  // process of the build, RUN steps included. Creating a PID namespace takes root; a rootless
  // freshet builds without it.
  buildWrapper: () => (process.getuid?.() === 0 ? ['setpriv', '--pdeathsig', 'KILL', 'unshare', '--pid', '--fork', '--kill-child', '--mount-proc'] : []),
  storageRootQuery: ['info', '--format={{.Store.GraphRoot}}'],
});
