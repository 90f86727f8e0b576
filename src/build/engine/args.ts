import { UserError } from '../../core/errors.js';
import type { BuildSpec, EngineName, NetworkMode, RunSpec, TmpfsMount } from './types.js';

/**
 * The one place engine command lines are made, shared by podman and docker. Every option is
 * written `--flag=value` in a single argument and the container command comes after the image,
 * where the engine stops reading options: a value can never turn into an engine option.
 */
const imageRef = /^[a-z0-9][a-z0-9._/:@-]*$/;
const containerName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const labelKey = /^[a-z0-9][a-z0-9._-]*$/;
const envKey = /^[A-Za-z_][A-Za-z0-9_]*$/;
const memory = /^\d+[kmg]$/;
const capabilityName = /^[A-Z][A-Z_]*$/;

function check(ok: boolean, message: string): void {
  if (!ok) throw new UserError(message);
}

function noNewline(value: string, what: string): string {
  check(!/[\n\r\0]/.test(value), `${what} may not contain a line break or NUL`);
  return value;
}

export function checkImageRef(ref: string): string {
  check(imageRef.test(ref), `not an image reference: ${JSON.stringify(ref)}`);
  return ref;
}

function mountPath(value: string, what: string): string {
  check(value.startsWith('/') && !/[,:\n\r\0]/.test(value), `${what} must be an absolute path without ',' or ':': ${JSON.stringify(value)}`);
  return value;
}

function labelArgs(labels: Record<string, string> = {}): string[] {
  return Object.entries(labels).map(([key, value]) => {
    check(labelKey.test(key), `not a label key: ${JSON.stringify(key)}`);
    return `--label=${key}=${noNewline(value, `label ${key}`)}`;
  });
}

/** `default` leaves the engine's own choice (a bridge), which each engine names differently. */
function networkArgs(network: NetworkMode): string[] {
  return network === 'default' ? [] : [`--network=${network}`];
}

/**
 * A read-only root leaves a container nothing to fill on the engine's storage but its mounts.
 * podman adds tmpfs of its own on /run, /tmp and /var/tmp (freshet's sized ones take /tmp and
 * /var/tmp), all counted against the memory limit. `--read-only-tmpfs=false` is not used: from
 * podman 4.7 it also makes /dev/shm read-only, which POSIX semaphores need. (`--storage-opt=size=`
 * would cap the writable layer instead, but only for overlay on XFS with project quotas; podman
 * refuses it on ext4 and other backing file systems.)
 */
const READ_ONLY_ROOT = '--read-only';

const maxTmpfsMegabytes = 1024 * 1024;

/**
 * A user's tmpfs needs its owner said: podman's `U` gives it to the run's user (podman 4 refuses
 * `uid=`); docker hands `uid=`/`gid=` to the kernel and so needs numbers. (runc keeps the mode of
 * the folder a tmpfs covers, so `mode=` matters only where the image has no such folder.)
 */
function tmpfsArgs(mounts: readonly TmpfsMount[], engine: EngineName, user: string | undefined): string[] {
  const targets = new Set<string>();
  return mounts.map((mount) => {
    const target = mountPath(mount.target, 'tmpfs target');
    check(!targets.has(target), `tmpfs ${target} given twice`);
    targets.add(target);
    const size = mount.sizeMegabytes;
    check(Number.isInteger(size) && size >= 1 && size <= maxTmpfsMegabytes, `not a tmpfs size in MiB: ${JSON.stringify(size)}`);
    // docker mounts a tmpfs noexec unless told otherwise; builds run programs they write to /tmp.
    const options = ['rw', 'exec', `size=${size}m`, 'nosuid', 'nodev'];
    if (mount.owner === 'shared') options.push('mode=1777');
    else if (engine === 'podman') options.push('U');
    else {
      const ids = /^(\d+)(?::(\d+))?$/.exec(user ?? '');
      if (!ids) throw new UserError(`a tmpfs owned by the user needs a numeric user on ${engine}, not ${JSON.stringify(user)}`);
      options.push(`uid=${ids[1]}`, `gid=${ids[2] ?? ids[1]}`);
    }
    return `--tmpfs=${target}:${options.join(',')}`;
  });
}

export function runArguments(spec: RunSpec, engine: EngineName): string[] {
  check(containerName.test(spec.name), `not a container name: ${JSON.stringify(spec.name)}`);
  check(spec.command.length > 0, 'a container run needs a command');
  const args = ['run', `--name=${spec.name}`, '--pull=never', ...networkArgs(spec.network)];
  if (!spec.keep) args.push('--rm');
  args.push(...labelArgs(spec.labels));
  if (spec.user !== undefined) args.push(`--user=${noNewline(spec.user, 'user')}`);
  if (spec.workdir !== undefined) args.push(`--workdir=${mountPath(spec.workdir, 'workdir')}`);
  if (spec.memory !== undefined) {
    check(memory.test(spec.memory), `not a memory size: ${JSON.stringify(spec.memory)}`);
    args.push(`--memory=${spec.memory}`, `--memory-swap=${spec.memory}`);
  }
  if (spec.pids !== undefined) args.push(`--pids-limit=${Math.trunc(spec.pids)}`);
  if (spec.cpus !== undefined) {
    check(Number.isFinite(spec.cpus) && spec.cpus > 0, `not a CPU count: ${JSON.stringify(spec.cpus)}`);
    args.push(`--cpus=${spec.cpus}`);
  }
  if (spec.capabilities !== 'default') {
    const keep = spec.capabilities === 'none' ? [] : spec.capabilities.keep;
    for (const capability of keep) check(capabilityName.test(capability), `not a capability name: ${JSON.stringify(capability)}`);
    args.push('--cap-drop=ALL', ...keep.map((capability) => `--cap-add=${capability}`), '--security-opt=no-new-privileges');
  }
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    check(envKey.test(key), `not an environment variable name: ${JSON.stringify(key)}`);
    args.push(`--env=${key}=${noNewline(value, `environment variable ${key}`)}`);
  }
  for (const mount of spec.mounts ?? []) {
    const options = [`type=bind`, `source=${mountPath(mount.source, 'mount source')}`, `target=${mountPath(mount.target, 'mount target')}`];
    if (mount.readonly) options.push('ro=true');
    args.push(`--mount=${options.join(',')}`);
  }
  if (spec.readOnlyRoot) args.push(READ_ONLY_ROOT);
  args.push(...tmpfsArgs(spec.tmpfs ?? [], engine, spec.user));
  return [...args, checkImageRef(spec.image), ...spec.command];
}

export function buildArguments(spec: BuildSpec): string[] {
  const args = ['build', `--tag=${checkImageRef(spec.tag)}`, `--file=${spec.containerfile}`, ...networkArgs(spec.network)];
  for (const [key, value] of Object.entries(spec.buildArgs ?? {})) {
    check(envKey.test(key), `not a build argument name: ${JSON.stringify(key)}`);
    args.push(`--build-arg=${key}=${noNewline(value, `build argument ${key}`)}`);
  }
  return [...args, ...labelArgs(spec.labels), spec.contextDir];
}

export function importArguments(tarball: string, ref: string, labels: Record<string, string>): string[] {
  const changes = Object.entries(labels).map(([key, value]) => {
    check(labelKey.test(key) && /^[A-Za-z0-9._:/+=-]*$/.test(value), `label not allowed on an import: ${key}=${value}`);
    return `--change=LABEL ${key}=${value}`;
  });
  return ['import', ...changes, '--change=CMD ["/bin/bash"]', tarball, checkImageRef(ref)];
}
