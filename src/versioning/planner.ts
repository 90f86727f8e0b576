/**
 * The version freshet gives a package for one target. Scheme (docs/versioning.md):
 *
 *   Debian/Ubuntu  [epoch:]<upstream>-0~<tag>+freshet<R>     2.12.3-0~deb12+freshet1
 *   RPM            [epoch:]<upstream>-0.<tag>.freshet<R>     2.12.3-0.fc41.freshet1
 *
 * The revision/release starts with `0~` (deb) or `0.` (rpm) so the distribution's own packaging
 * of the same upstream version (`-1`, `-0ubuntu1`, `-0.1`, `-1~bpo12+1`, `-1.fc41`) supersedes
 * ours; the release tag comes before the rebuild number so an older distribution release sorts
 * below a newer one whatever the rebuild counts; the epoch is copied from what the target ships.
 */
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import type { Family, Target } from '../types.js';
import * as deb from './deb.js';
import * as rpm from './rpm.js';
import { normalizeUpstream } from './upstream.js';

export type PlanTarget = Pick<Target, 'id' | 'family' | 'distro' | 'release'>;

export interface VersionRequest {
  upstreamVersion: string;
  target: PlanTarget;
  /** 1 for the first build of this upstream version on this target, then 2, 3… */
  rebuild: number;
  /** The version the target distribution itself ships: a Debian version (Debian, Ubuntu) or an RPM EVR (Fedora). */
  shipped?: string | undefined;
}

export interface VersionPlan {
  family: Family;
  /** The complete package version: `[epoch:]version-release`. */
  full: string;
  /** 0 when the version has none. */
  epoch: number;
  /** The normalized upstream version (Debian upstream_version or RPM Version). */
  version: string;
  /** Debian revision or RPM Release. */
  release: string;
  /** deb12, ubuntu24.04, fc41. */
  tag: string;
  /** The target already ships this upstream version or a newer one. */
  shippedIsNewerOrSame: boolean;
}

const PlanTargetSchema = z.discriminatedUnion('distro', [
  z.object({ id: z.string(), family: z.literal('deb'), distro: z.literal('ubuntu'), release: z.string().regex(/^\d{2}\.\d{2}$/) }),
  z.object({ id: z.string(), family: z.enum(['deb', 'rpm']), distro: z.literal('debian'), release: z.string().regex(/^\d{1,3}$/) }),
  z.object({ id: z.string(), family: z.literal('rpm'), distro: z.literal('fedora'), release: z.string().regex(/^\d{1,3}$/) }),
]);

function releaseTag(target: PlanTarget): string {
  if (target.distro === 'ubuntu') return `ubuntu${target.release}`;
  if (target.distro === 'fedora') return `fc${target.release}`;
  return `deb${target.release}`;
}

function checkTarget(target: PlanTarget): void {
  const parsed = PlanTargetSchema.safeParse(target);
  if (!parsed.success) {
    const shown = `${target.family}/${target.distro}/${JSON.stringify(target.release)}`;
    throw new UserError(`target ${target.id}: no version scheme for ${shown}`, {
      hint: 'deb targets are debian "12" or ubuntu "24.04"; rpm targets are fedora "41" or debian "12"',
    });
  }
}

function checkRebuild(target: PlanTarget, rebuild: number): void {
  if (!Number.isSafeInteger(rebuild) || rebuild < 1) {
    throw new UserError(`target ${target.id}: rebuild number ${String(rebuild)} must be an integer from 1`);
  }
}

/** The upstream version in Debian spelling, refused unless it is a valid deb-version(7) upstream_version. */
function debianUpstream(target: PlanTarget, upstreamVersion: string): string {
  const normalized = normalizeUpstream(upstreamVersion);
  if (!deb.isValid(`${normalized}-0`)) {
    throw new UserError(`target ${target.id}: upstream version ${JSON.stringify(upstreamVersion)} is not a valid Debian upstream version`, {
      hint: 'it must start with a digit and contain only A-Z a-z 0-9 . + ~ -; rewrite it with the recipe\'s upstream mangle',
    });
  }
  return normalized;
}

/** Fedora ships RPM EVRs; Debian and Ubuntu ship Debian versions, also to rpm-on-Debian targets. */
function parseShipped(target: PlanTarget, shipped: string): { epoch: number; version: string } {
  const isRpm = target.distro === 'fedora';
  if (!(isRpm ? rpm.isValid(shipped) : deb.isValid(shipped))) {
    throw new UserError(`target ${target.id}: the shipped version ${JSON.stringify(shipped)} is not a valid ${isRpm ? 'RPM EVR' : 'Debian version'}`);
  }
  if (isRpm) {
    const { epoch, version } = rpm.parse(shipped);
    return { epoch, version };
  }
  const { epoch, upstream } = deb.parse(shipped);
  return { epoch, version: upstream };
}

export function planVersion(request: VersionRequest): VersionPlan {
  const { target, rebuild } = request;
  checkTarget(target);
  checkRebuild(target, rebuild);
  const tag = releaseTag(target);
  const shipped = request.shipped === undefined ? undefined : parseShipped(target, request.shipped);
  const epoch = shipped?.epoch ?? 0;
  const epochPrefix = epoch > 0 ? `${epoch}:` : '';
  const upstream = debianUpstream(target, request.upstreamVersion);

  if (target.family === 'deb') {
    const release = `0~${tag}+freshet${rebuild}`;
    return {
      family: 'deb',
      full: `${epochPrefix}${upstream}-${release}`,
      epoch,
      version: upstream,
      release,
      tag,
      shippedIsNewerOrSame: shipped !== undefined && deb.compareFragment(shipped.version, upstream) >= 0,
    };
  }
  // RPM's Version may not contain `-`; Fedora writes upstream 7.1.1-29 as 7.1.1.29.
  const version = upstream.replaceAll('-', '.');
  const release = `0.${tag}.freshet${rebuild}`;
  return {
    family: 'rpm',
    full: `${epochPrefix}${version}-${release}`,
    epoch,
    version,
    release,
    tag,
    shippedIsNewerOrSame: shipped !== undefined && rpm.compareField(shipped.version, version) >= 0,
  };
}
