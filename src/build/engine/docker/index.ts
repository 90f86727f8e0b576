import { createCliEngine } from '../cli-engine.js';

/** docker: the same command lines as podman; `rm --force` already kills without a grace period. */
export const docker = createCliEngine({
  name: 'docker',
  binary: 'docker',
  env: () => ({}),
  forceRemove: ['rm', '--force'],
  storageRootQuery: ['info', '--format={{.DockerRootDir}}'],
});
