import { z } from 'zod';
import { durationText, percentText } from '../core/duration.js';
import { Dependency } from '../recipe/schema.js';
import { dependencyName, emailContact, httpUrl, singleLine } from '../recipe/fields.js';

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/, 'must be host or host:port');

/** How a target's base image is made: pulled from a registry, or bootstrapped from the distribution's mirror. */
export const ImageSource = z.union([
  z.strictObject({ registry: z.string().regex(/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+:[A-Za-z0-9._-]+$/, 'must be registry/name:tag') }),
  z.strictObject({
    bootstrap: z.strictObject({
      mirror: httpUrl,
      /** Suite to bootstrap (default: the target's codename). */
      suite: z.string().regex(/^[a-z0-9-]+$/).optional(),
      keyring: z.string().optional(),
    }),
  }),
]);
export type ImageSource = z.infer<typeof ImageSource>;

export const TargetConfig = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be lower-case letters, digits, dots and dashes'),
  family: z.enum(['deb', 'rpm']),
  distro: z.enum(['debian', 'ubuntu', 'fedora']),
  release: z.string().regex(/^\d+(\.\d+)?$/, 'must be the distribution release number, quoted: "12", "24.04", "41"'),
  codename: z.string().regex(/^[a-z0-9-]+$/),
  image: ImageSource,
  /** The distribution's own package index, to learn what it ships (default: from the image source). */
  mirror: httpUrl.optional(),
  /** Keyring (binary, as gpgv reads it) that signs the mirror's InRelease (default: the distribution's, from debian-archive-keyring or ubuntu-keyring). */
  mirrorKeyring: z.string().optional(),
  /** Suites whose Sources indexes show what the target ships (default: codename, codename-updates, codename-security). */
  indexSuites: z.array(z.string().regex(/^[a-z0-9/-]+$/)).optional(),
  /** Off: configured but not built (for example where its registry cannot be reached). */
  enabled: z.boolean().optional(),
});
export type TargetConfig = z.infer<typeof TargetConfig>;

export const Rewrite = z.strictObject({ from: httpUrl, to: httpUrl });
export type Rewrite = z.infer<typeof Rewrite>;

/** A build-farm worker, known to the coordinator by the sha256 of its token (`freshet farm add-worker`). */
export const FarmWorker = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'must be 1-63 lower-case letters, digits, dots and dashes'),
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the sha256 of the token (64 lower-case hex digits), as `freshet farm add-worker` writes it; never the token itself'),
});
export type FarmWorker = z.infer<typeof FarmWorker>;

export const FarmConfig = z
  .strictObject({
    /** Where the coordinator serves job inputs and takes results (default 127.0.0.1:8790). */
    listen: hostPort.optional(),
    /** The largest result file a worker may upload (default 2048). */
    maxUploadMegabytes: z.number().int().min(1).max(1024 * 1024).optional(),
    workers: z.array(FarmWorker),
  })
  .superRefine((farm, context) => {
    const names = new Set<string>();
    const digests = new Set<string>();
    for (const [index, worker] of farm.workers.entries()) {
      if (names.has(worker.name)) context.addIssue({ code: 'custom', path: ['workers', index, 'name'], message: `duplicate worker name ${worker.name}` });
      if (digests.has(worker.tokenSha256)) context.addIssue({ code: 'custom', path: ['workers', index, 'tokenSha256'], message: 'another worker has the same token; give each worker its own' });
      names.add(worker.name);
      digests.add(worker.tokenSha256);
    }
  });
export type FarmConfig = z.infer<typeof FarmConfig>;

export const Config = z.strictObject({
  /** Folder of recipes (default: recipes). */
  recipes: z.string().optional(),
  /** The published archive (default: var/archive). */
  archive: z.string().optional(),
  /** State: database, keyring, logs, cache (default: var/state). */
  state: z.string().optional(),
  targets: z.array(TargetConfig).min(1),
  archiveInfo: z
    .strictObject({
      origin: singleLine(100).optional(),
      label: singleLine(100).optional(),
      /** Days a Release file stays valid; freshet renews it before then. */
      validDays: z.number().int().min(1).max(365).optional(),
      /** Hours superseded files stay reachable after a publish. */
      graceHours: z.number().min(0).max(24 * 30).optional(),
      /** Builds kept per package and target. */
      keep: z.number().int().min(1).max(100).optional(),
      /** Public URL of the archive, for the operator instructions. */
      url: httpUrl.optional(),
    })
    .optional(),
  signing: z
    .strictObject({
      /** Fingerprint of the archive key in the state keyring (default: the one `freshet key create` made). */
      key: z.string().regex(/^[0-9A-F]{40}$/, 'must be a 40-character upper-case fingerprint').optional(),
      /** Days before the key expires from which the log, the status page and status.json warn (default 30). */
      expiryWarningDays: z.number().int().min(1).max(365).optional(),
    })
    .optional(),
  maintainer: emailContact.optional(),
  engine: z.enum(['podman', 'docker']).optional(),
  concurrency: z
    .strictObject({
      builds: z.number().int().min(1).max(64).optional(),
      perHost: z.number().int().min(1).max(64).optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      buildTimeoutMinutes: z.number().min(1).max(24 * 60).optional(),
      buildMemory: z.string().regex(/^\d+[kmg]$/).optional(),
      buildPids: z.number().int().min(64).optional(),
      /** CPUs a build container may use (default: the machine's, at most 8; never more than the machine has). */
      buildCpus: z.number().min(0.1).max(1024).optional(),
      /** Limits of each gate container (default 20 minutes for the whole gate, 2g, 2048 processes, at most 2 CPUs). */
      gateTimeoutMinutes: z.number().min(1).max(24 * 60).optional(),
      gateMemory: z.string().regex(/^\d+[kmg]$/).optional(),
      gatePids: z.number().int().min(64).optional(),
      gateCpus: z.number().min(0.1).max(1024).optional(),
      /** Size of each of /tmp, /var/tmp and HOME in a build container (tmpfs; counts against buildMemory). */
      buildScratchMegabytes: z.number().int().min(16).max(1024 * 1024).optional(),
      /** Builds and gates are stopped when their disk, or the engine's, has less free (0: never). */
      diskReserveMegabytes: z.number().int().min(0).max(1024 * 1024).optional(),
      httpTimeoutSeconds: z.number().min(1).max(3600).optional(),
      maxDownloadMegabytes: z.number().min(1).optional(),
    })
    .optional(),
  /**
   * Failures that are nobody's fault (mirror or network unreachable, container engine error, disk
   * full, timeout) are built again by a later run once a backoff has passed, without --retry-failed.
   */
  retry: z
    .strictObject({
      /** Wait before the first automatic retry (default 300). */
      infrastructureBackoffSeconds: z.number().min(0).max(7 * 86_400).optional(),
      /** The wait doubles with each infrastructure failure of the same inputs in a row, up to this (default 21600). */
      infrastructureMaxBackoffSeconds: z.number().min(0).max(30 * 86_400).optional(),
    })
    .optional(),
  /** Real upstream URL prefixes served from a mirror (air-gapped farms, tests). */
  rewrites: z.array(Rewrite).optional(),
  /** Hosts that may be on loopback or private addresses (a local mirror). */
  allowHosts: z.array(hostPort).optional(),
  /** The API each forge token is for: GITHUB_TOKEN goes only to `github`'s origin, GITLAB_TOKEN only to `gitlab`'s. */
  forges: z.strictObject({ github: httpUrl.optional(), gitlab: httpUrl.optional() }).optional(),
  /** Names mapped to Debian and RPM package names; adds to and overrides the built-in map. */
  dependencies: z.record(dependencyName, Dependency).optional(),
  serve: z.strictObject({ listen: hostPort.optional() }).optional(),
  /** How `freshet serve` watches by itself (docs/farm.md, "Running as a service"). */
  schedule: z
    .strictObject({
      /** Time between two checks of each recipe (default 6h); a recipe's `watch.interval` overrides it. */
      interval: durationText.optional(),
      /** Each check moves earlier or later by up to this share of the interval, so checks spread out (default 10%). */
      jitter: percentText.optional(),
      /** Re-sign an APT suite once less than this remains before its Valid-Until (default 2d, at most half of archiveInfo.validDays). */
      resignBefore: durationText.optional(),
    })
    .optional(),
  /** Webhook secrets per recipe are read from these environment variables. */
  webhooks: z.record(z.string(), z.strictObject({ secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) })).optional(),
  /** The build farm's coordinator side: where workers reach it, and who they are (docs/farm.md). */
  farm: FarmConfig.optional(),
  /** BullMQ's Redis (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS): builds and gates go to farm workers. Absent: they run in this process. */
  queue: z
    .string()
    .regex(/^rediss?:\/\/[^\s/?#]+(\/\d{1,2})?$/, 'must be redis://[user:password@]host:port[/db] or rediss://…')
    .optional(),
});
export type Config = z.infer<typeof Config>;
