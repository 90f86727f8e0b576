import type { RunResult } from '../../core/exec.js';
import type { DiskGuard } from './disk-guard.js';

/**
 * What freshet asks of a container engine. Every request is plain data; the engine turns it into
 * an argument array, so no value in it can become an engine option.
 */
export type EngineName = 'podman' | 'docker';
export type NetworkMode = 'none' | 'host' | 'default';

export interface Mount {
  source: string;
  target: string;
  readonly: boolean;
}

/**
 * A size-capped tmpfs. Its pages count against the container's memory limit as well, so the
 * memory limit bounds all of them together.
 */
export interface TmpfsMount {
  target: string;
  sizeMegabytes: number;
  /** `user`: owned by the container's user (a HOME); `shared`: root's and sticky, like /tmp. */
  owner: 'user' | 'shared';
}

export interface RunSpec {
  image: string;
  /** The command inside the container, one argument per element. */
  command: string[];
  name: string;
  network: NetworkMode;
  mounts?: Mount[];
  /** A read-only root file system: the container writes only to its mounts and tmpfs. */
  readOnlyRoot?: boolean;
  tmpfs?: TmpfsMount[];
  /** `name`, `uid` or `uid:gid`; docker needs a number to own a tmpfs. */
  user?: string;
  workdir?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  /** Memory limit such as `4g`; swap is capped at the same value. */
  memory?: string;
  pids?: number;
  cpus?: number;
  timeoutMs?: number;
  /**
   * Builds drop every capability; a gate keeps only the few a package manager needs as root
   * (`keep`); `default` is the engine's set, for image work from the distribution's mirror.
   */
  capabilities: 'none' | 'default' | { keep: readonly string[] };
  /** Keep the container after it exits (to commit it); otherwise it is removed. */
  keep?: boolean;
}

export interface RunControl {
  /** Append the container's output to this file instead of buffering it. */
  logFile?: string;
  signal?: AbortSignal;
  allowFailure?: boolean;
  /** Stop the container when these folders' file systems, or the engine's storage, run low. */
  diskGuard?: DiskGuard;
}

export interface BuildSpec {
  contextDir: string;
  containerfile: string;
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  network: NetworkMode;
}

export interface ImageInfo {
  id: string;
  tags: string[];
  created: string;
  size: number;
  labels: Record<string, string>;
}

export interface ContainerInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface ContainerEngine {
  readonly name: EngineName;
  /** The image, or undefined when the engine does not have it. */
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  /** Images whose reference matches a pattern such as `localhost/freshet/*`. */
  listImages(pattern: string): Promise<ImageInfo[]>;
  importRootfs(tarball: string, ref: string, labels: Record<string, string>): Promise<void>;
  buildImage(spec: BuildSpec, control?: RunControl): Promise<void>;
  /** Run to completion; a timeout or cancellation stops and removes the container. */
  run(spec: RunSpec, control?: RunControl): Promise<RunResult>;
  commit(container: string, ref: string, changes: string[]): Promise<void>;
  /** Containers, running or not, that carry this label key. */
  listContainers(labelKey: string): Promise<ContainerInfo[]>;
  removeContainers(ids: readonly string[]): Promise<void>;
}
