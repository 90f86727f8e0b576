import type { ResolvedConfig, ResolvedTarget } from '../../config/load.js';
import { AUTORECONF_REQUIRES, autoreconf } from '../../generate/rpm/view.js';
import { resolveRecipe, type LoadedRecipe } from '../../recipe/load.js';

/**
 * What the install container of an rpm-on-Debian gate needs, as Debian packages: rpm installs
 * there with --nodeps, so a program linked to a library (tmux → libevent) starts only when the
 * Debian package of that library is in the image. The recipe rarely names run-time libraries
 * (on Debian dpkg-shlibdeps finds them), and the dependency map's names are -dev packages, which
 * pull in their libraries; so this is the recipe's build and runtime dependencies and gate.requires,
 * resolved for Debian, without the recipe's own packages. Empty for other targets.
 */
export function gateDebianDepends(loaded: LoadedRecipe, target: ResolvedTarget, config: ResolvedConfig): string[] {
  if (target.family !== 'rpm' || target.distro === 'fedora') return [];
  const debian = resolveRecipe(loaded, 'deb', target.id, config.dependencies);
  const own = new Set(debian.packages.map((pkg) => pkg.name));
  const runtime = debian.packages.flatMap((pkg) => pkg.depends).filter((relation) => !own.has(relation.split(/[\s(:]/)[0]!));
  return [...new Set([...debian.buildDepends, ...(autoreconf(debian) ? AUTORECONF_REQUIRES : []), ...runtime, ...debian.gateRequires])].sort();
}
