/**
 * The plain, serializable data that stages hand each other. Nothing here holds a handle, a
 * class instance or a function, so a build job can be queued to another machine as JSON and its
 * result sent back the same way.
 */
export type Family = 'deb' | 'rpm';

/** A distribution release freshet builds for, as configured in freshet.config.yaml. */
export interface Target {
  id: string; // debian-12, ubuntu-24.04, fedora-41, debian-12-rpm
  family: Family;
  distro: 'debian' | 'ubuntu' | 'fedora';
  /** The distribution's own version: 12, 24.04, 41. */
  release: string;
  /** APT suite name (bookworm) or YUM repository name (fedora-41). */
  codename: string;
}

/** A release found upstream by the watch stage. */
export interface Release {
  recipe: string;
  upstreamVersion: string;
  /** Download URL as upstream publishes it; URL rewrites apply when it is fetched. */
  url: string;
  signatureUrl?: string;
  checksumUrl?: string;
  /** When freshet first saw this release upstream (ISO 8601). */
  seenAt: string;
}

/** A release whose tarball is in the content-addressed cache, verified. */
export interface FetchedRelease extends Release {
  sha256: string;
  size: number;
  /** Path of the tarball in the cache. */
  tarball: string;
  /** Path in the cache of the upstream signature it was verified by, ASCII-armored (recipes with a key). */
  signature?: string;
  /** How the bytes were verified: `sha256-pinned`, `openpgp:<fingerprint>`, `checksum-file`. */
  verifiedBy: string[];
}

/** One (recipe, target, version) build, ready to run on any machine with the target's image. */
export interface BuildJob {
  id: string;
  recipe: string;
  target: Target;
  upstreamVersion: string;
  packageVersion: string;
  rebuild: number;
  tarballSha256: string;
  /** Folder holding the generated source package (orig tarball + debian/ or .spec). */
  sourceDir: string;
  outputDir: string;
}

export interface BuildArtifact {
  file: string;
  kind: 'deb' | 'udeb' | 'dsc' | 'source-tar' | 'buildinfo' | 'changes' | 'rpm' | 'srpm';
  size: number;
  sha256: string;
  /** Control fields of a binary package or .dsc (Package, Version, Architecture, Depends…), or an RPM header. */
  fields?: Record<string, string>;
  /** A .deb's `shlibs` and `symbols` control files, when it has them: what packages built against its libraries depend on. */
  sharedLibrary?: { shlibs?: string; symbols?: string };
}

export interface LintReport {
  tool: 'lintian' | 'rpmlint';
  errors: number;
  warnings: number;
  tags: string[];
  /** Each error and warning with its package and details (file, line), as the linter wrote them; capped. */
  findings?: LintFinding[];
  /** Findings not counted: tags that mean nothing on this target (src/build/rpmlint.ts). */
  ignored?: number;
}

export interface LintFinding {
  severity: 'error' | 'warning';
  /** `hello`, `hello source`, `hello.x86_64`, `hello.spec:12`. */
  package: string;
  tag: string;
  /** The rest of the line: files, lines, values (`[usr/bin/hello]`). */
  info: string;
}

export interface BuildResult {
  jobId: string;
  recipe: string;
  targetId: string;
  packageVersion: string;
  status: 'ok' | 'failed';
  error?: string;
  /** A failed build's container: the engine's exit code, and whether it was stopped for taking too long. */
  exitCode?: number;
  timedOut?: boolean;
  artifacts: BuildArtifact[];
  logFile: string;
  lint?: LintReport;
  startedAt: string;
  finishedAt: string;
  /** Who ran it: a farm worker's name, or `local` for the coordinator's own executor. */
  worker?: string;
}
