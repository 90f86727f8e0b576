import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findTarget, loadConfig } from '../../src/config/load.js';
import { gateDepends } from '../../src/gate/rpm/debian-depends.js';
import { loadRecipes } from '../../src/recipe/load.js';

const config = loadConfig(fileURLToPath(new URL('../../freshet.config.yaml', import.meta.url)));
const target = findTarget(config, 'debian-12-rpm');
const [libgcrypt] = loadRecipes(config.recipesDir, ['libgcrypt']);

describe('rpm-on-Debian builds against the archive (issue 15)', () => {
  it("takes libgcrypt's libgpg-error from the YUM repository, not Debian's -dev, once libgpg-error is in the archive", () => {
    expect(gateDepends(libgcrypt!, target, config, ['libgpg-error'])).toEqual({ debian: [], rpm: ['libgpg-error-devel >= 1.56'] });
    // Without the provider in the archive, Debian's name stays (and apt refuses it on bookworm: honest).
    expect(gateDepends(libgcrypt!, target, config, [])).toEqual({ debian: ['libgpg-error-dev (>= 1.56)'], rpm: [] });
  });

  it('leaves the Debian targets alone', () => {
    expect(gateDepends(libgcrypt!, findTarget(config, 'debian-12'), config, ['libgpg-error'])).toEqual({ debian: [], rpm: [] });
  });
});
