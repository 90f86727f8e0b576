import type { BuildSystem } from '../recipe/schema.js';
import type { SourceTree } from './tree.js';

export interface BuildSystemGuess {
  system: BuildSystem;
  /** configure.ac without a generated configure: run autoreconf first. */
  autoreconf?: boolean;
  /** The build file the choice rests on. */
  file: string;
  /** Other build systems the tree also carries. */
  alternatives: string[];
}

/**
 * The build system from the files at the top of the tree. A release tarball with a generated
 * `configure` is autotools without autoreconf; meson and CMake come before a plain Makefile, which
 * many projects ship beside them as a convenience.
 */
export function detectBuildSystem(tree: SourceTree): BuildSystemGuess | undefined {
  const candidates: Array<[string, BuildSystemGuess | undefined]> = [
    ['configure', tree.has('configure') ? { system: 'autotools', file: 'configure', alternatives: [] } : undefined],
    [
      'configure.ac',
      tree.has('configure.ac') || tree.has('configure.in')
        ? { system: 'autotools', autoreconf: true, file: tree.has('configure.ac') ? 'configure.ac' : 'configure.in', alternatives: [] }
        : undefined,
    ],
    ['meson.build', tree.has('meson.build') ? { system: 'meson', file: 'meson.build', alternatives: [] } : undefined],
    ['CMakeLists.txt', tree.has('CMakeLists.txt') ? { system: 'cmake', file: 'CMakeLists.txt', alternatives: [] } : undefined],
    ['pyproject.toml', tree.has('pyproject.toml') ? { system: 'python', file: 'pyproject.toml', alternatives: [] } : undefined],
    ['setup.py', tree.has('setup.py') ? { system: 'python', file: 'setup.py', alternatives: [] } : undefined],
    ['Makefile', tree.has('Makefile') || tree.has('makefile') || tree.has('GNUmakefile') ? { system: 'make', file: 'Makefile', alternatives: [] } : undefined],
  ];
  const present = candidates.filter((entry): entry is [string, BuildSystemGuess] => entry[1] !== undefined);
  const first = present[0];
  if (!first) return undefined;
  const alternatives = present.slice(1).map(([file]) => file).filter((file) => !(first[1].system === 'autotools' && /^configure/.test(file)));
  return { ...first[1], alternatives };
}
