import type { ResolvedConfig, ResolvedTarget } from '../../config/load.js';
import { AUTORECONF_REQUIRES, autoreconf } from '../../generate/rpm/view.js';
import { splitArchiveDepends, type ArchiveSplit } from '../../build/rpm-archive.js';
import { resolveRecipe, type LoadedRecipe, type ResolvedRecipe } from '../../recipe/load.js';

/**
 * What the install container of an rpm-on-Debian gate needs, as Debian packages: rpm installs
 * there with --nodeps, so a program linked to a library (tmux → libevent) starts only when the
 * Debian package of that library is in the image. The recipe rarely names run-time libraries
 * (on Debian dpkg-shlibdeps finds them), and the dependency map's names are -dev packages, which
 * pull in their libraries; so this is the recipe's build and runtime dependencies and gate.requires,
 * resolved for Debian, without the recipe's own packages. Empty for other targets.
 */
export function gateDebianDepends(loaded: LoadedRecipe, target: ResolvedTarget, config: ResolvedConfig, archiveRecipes: readonly string[] = []): string[] {
  return gateDepends(loaded, target, config, archiveRecipes).debian;
}

/**
 * The same, split (src/build/rpm-archive.ts): what a recipe of the archive (`archiveRecipes`)
 * provides is left out of the Debian packages and named in `rpm` with its RPM relation, to be
 * installed from the staging YUM repository, so the gate runs against the archive's library.
 */
export function gateDepends(loaded: LoadedRecipe, target: ResolvedTarget, config: ResolvedConfig, archiveRecipes: readonly string[] = []): ArchiveSplit {
  if (target.family !== 'rpm' || target.distro === 'fedora') return { debian: [], rpm: [] };
  const runtimeOf = (recipe: ResolvedRecipe) => {
    const own = new Set(recipe.packages.map((pkg) => pkg.name));
    return recipe.packages.flatMap((pkg) => pkg.depends).filter((relation) => !own.has(relation.split(/[\s(:]/)[0]!));
  };
  const debian = resolveRecipe(loaded, 'deb', target.id, config.dependencies);
  const rpm = resolveRecipe(loaded, 'rpm', target.id, config.dependencies);
  const split = splitArchiveDepends(
    config,
    target,
    loaded.recipe.name,
    {
      debian: [...debian.buildDepends, ...(autoreconf(debian) ? AUTORECONF_REQUIRES : []), ...runtimeOf(debian), ...debian.gateRequires],
      rpm: [...rpm.buildDepends, ...runtimeOf(rpm)],
    },
    archiveRecipes,
  );
  return { debian: [...new Set(split.debian)].sort(), rpm: split.rpm };
}
