import { z } from 'zod';
import { durationText } from '../core/duration.js';
import { DebianUpstream } from '../watch/debian/schema.js';
import { GithubUpstream } from '../watch/github/schema.js';
import { GitlabUpstream } from '../watch/gitlab/schema.js';
import { HtmlIndexUpstream } from '../watch/html-index/schema.js';
import { NpmUpstream } from '../watch/npm/schema.js';
import { PypiUpstream } from '../watch/pypi/schema.js';
import {
  buildFlag,
  dependencyName,
  dependencyRelation,
  emailContact,
  envName,
  httpUrl,
  installPath,
  packageName,
  paragraphText,
  recipeFile,
  singleLine,
  smokeArg,
  spdxExpression,
} from './fields.js';

export const Upstream = z.discriminatedUnion('kind', [
  HtmlIndexUpstream,
  GithubUpstream,
  GitlabUpstream,
  NpmUpstream,
  PypiUpstream,
  DebianUpstream,
]);
export type Upstream = z.infer<typeof Upstream>;

export const BuildSystem = z.enum(['autotools', 'cmake', 'meson', 'make', 'python', 'custom']);
export type BuildSystem = z.infer<typeof BuildSystem>;

/** A command of a custom build step: an argument array, quoted by freshet for make and shell. */
const commandArgs = z.array(buildFlag).min(1);

export const Build = z.strictObject({
  system: BuildSystem,
  /** Regenerate the autotools files before configure (dh_autoreconf). */
  autoreconf: z.boolean().optional(),
  /** Extra arguments for configure, cmake or meson. */
  configure: z.array(buildFlag).optional(),
  /** Extra arguments for make (or ninja) during the build; the NAME=value ones also reach install and clean. */
  make: z.array(buildFlag).optional(),
  /** Environment for the build, such as CFLAGS additions. */
  env: z.record(envName, buildFlag).optional(),
  /** Run the upstream test suite (make check, ctest, meson test). Default: true. */
  check: z.boolean().optional(),
  /** Minutes the test suite may run (default 30); then its processes are killed and the build fails. */
  checkTimeoutMinutes: z.number().int().min(1).max(600).optional(),
  /** Subdirectory holding the build files, when not the top of the tarball. */
  subdir: z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/).optional(),
  /** For `system: custom`: the commands, each an argument array. */
  steps: z
    .strictObject({
      build: z.array(commandArgs).optional(),
      install: z.array(commandArgs).optional(),
    })
    .optional(),
});
export type Build = z.infer<typeof Build>;

/** A dependency: a name from the shared map, or an explicit mapping. */
export const Dependency = z.union([
  dependencyRelation,
  z.strictObject({ deb: dependencyName.optional(), rpm: dependencyName.optional() }),
]);
export type Dependency = z.infer<typeof Dependency>;

export const Depends = z.strictObject({
  /** Needed to build (beyond the compiler toolchain and the build system's own tools). */
  build: z.array(Dependency).optional(),
  /** Needed at run time beyond what shared-library detection finds. */
  runtime: z.array(Dependency).optional(),
});
export type Depends = z.infer<typeof Depends>;

export const BinaryPackage = z.strictObject({
  /** One name for both families, or one per family (`{deb: libfoo1, rpm: libfoo}`). */
  name: z.union([packageName, z.strictObject({ deb: packageName, rpm: packageName })]),
  /** runtime (default), dev (headers, .so link, pkg-config), doc, or data. */
  role: z.enum(['runtime', 'library', 'dev', 'doc', 'data']).optional(),
  summary: singleLine(80).optional(),
  description: paragraphText.optional(),
  /** Installed paths for this package, relative to the install root; `{libdir}` etc. are filled per family. */
  files: z.array(installPath).optional(),
  depends: z.array(Dependency).optional(),
  /** Virtual packages this one provides, as the distribution's own package does (`awk` for mawk). */
  provides: z.array(packageName).optional(),
  architecture: z.enum(['any', 'all']).optional(),
});
export type BinaryPackage = z.infer<typeof BinaryPackage>;

export const Gate = z.strictObject({
  /** Commands run after installing, each an argument array (no shell parses it); all must exit 0. */
  smoke: z.array(z.array(smokeArg).min(1)).optional(),
  /** Packages the smoke commands need besides the recipe's own (pkg-config to query a -dev package). */
  requires: z.array(Dependency).optional(),
  /** A regular expression the first smoke command's output must match ({version} is the upstream version). */
  expect: singleLine(200).optional(),
});
export type Gate = z.infer<typeof Gate>;

/** The parts of a recipe that a family or a target may override. */
const overridable = {
  build: Build.partial().optional(),
  depends: Depends.optional(),
  packages: z.array(BinaryPackage).min(1).optional(),
  gate: Gate.optional(),
  /** Patches (quilt, -p1) beside the recipe, applied in order. */
  patches: z.array(recipeFile).optional(),
  /** Skip this family or target, with the reason shown in the status. */
  skip: singleLine(200).optional(),
};

export const Override = z.strictObject(overridable);
export type Override = z.infer<typeof Override>;

export const Recipe = z.strictObject({
  name: packageName,
  summary: singleLine(80),
  description: paragraphText,
  homepage: httpUrl,
  license: spdxExpression,
  /** Upstream copyright line(s), for debian/copyright. */
  copyright: z.array(singleLine(200)).min(1),
  maintainer: emailContact.optional(),
  upstream: Upstream,
  build: Build,
  depends: Depends.optional(),
  packages: z.array(BinaryPackage).min(1),
  gate: Gate.optional(),
  patches: z.array(recipeFile).optional(),
  /** The name of this project's source package in the target distributions, when it differs. */
  distroPackage: packageName.optional(),
  /** How often `freshet serve` checks this upstream, instead of the config's `schedule.interval`. */
  watch: z.strictObject({ interval: durationText.optional() }).optional(),
  overrides: z
    .strictObject({
      deb: Override.optional(),
      rpm: Override.optional(),
      targets: z.record(z.string().regex(/^[a-z0-9.-]+$/), Override).optional(),
    })
    .optional(),
});
export type Recipe = z.infer<typeof Recipe>;
