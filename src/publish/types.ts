import type { ResolvedConfig } from '../config/load.js';
import type { ArtifactPolicy } from '../build/artifact-policy.js';
import type { BuildArtifact, Family } from '../types.js';

/**
 * The contract every repository format (APT now, YUM later) implements. Plain data in, plain data
 * out: a publish request names the archive root, so the same code publishes the real archive and
 * the gate's staging copy.
 */
export interface ArchiveLocation {
  /** The folder served to clients. */
  root: string;
  /** Private state of this archive (index metadata, publish lock); never served. */
  stateDir: string;
  /** A staging copy for the gate: nothing written there is published (the log says so). */
  staging?: boolean;
}

/** Artifacts of one build, with where they came from. */
export interface PublishItem {
  artifacts: BuildArtifact[];
  recipe?: string;
  targetId?: string;
  /** What the recipe declares: when given, the publisher checks the files itself and pools them under its source. */
  policy?: ArtifactPolicy;
}

export interface RemoveSpec {
  /** Binary or source package name. */
  name: string;
  /** All versions when absent. */
  version?: string;
}

export interface PublishRequest {
  config: ResolvedConfig;
  archive: ArchiveLocation;
  /** APT suite (codename) or YUM repository name. */
  suite: string;
  add: PublishItem[];
  remove?: RemoveSpec[];
  /** For tests: the clock. */
  now?: () => Date;
}

export interface PublishedPackage {
  name: string;
  version: string;
  arch: string;
  file: string;
}

export interface PublishOutcome {
  family: Family;
  suite: string;
  root: string;
  generation: string;
  date: string;
  validUntil: string;
  added: PublishedPackage[];
  /** Left the index: removed on request or beyond the retention count. */
  removed: PublishedPackage[];
  /** Pool files deleted because their grace period ended. */
  deletedFiles: string[];
}

export interface ResignRequest {
  config: ResolvedConfig;
  archive: ArchiveLocation;
  suite: string;
  now?: () => Date;
}

export interface Publisher {
  family: Family;
  publish(request: PublishRequest): Promise<PublishOutcome>;
  /** New Date and Valid-Until, signed again; the indices stay as they are. */
  resign(request: ResignRequest): Promise<PublishOutcome>;
  /** Suites with a live generation under a root. */
  suites(root: string): Promise<string[]>;
}
