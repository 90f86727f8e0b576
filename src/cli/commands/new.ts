import path from 'node:path';
import { ExitCode } from '../../core/errors.js';
import { action, configFor, output, type RegisterCommand } from '../context.js';

interface NewOptions {
  name?: string;
  out?: string;
  force?: boolean;
}

export const registerNew: RegisterCommand = (program) => {
  program
    .command('new')
    .description('write a recipe from a release tarball or download page URL, with comments where freshet guessed')
    .argument('<url>', 'a release tarball URL, or a download page that links to the tarballs')
    .option('--name <name>', 'recipe name (default: from the tarball name)')
    .option('--out <dir>', "folder to write NAME.yaml into (default: the config's recipes folder)")
    .option('--force', 'replace an existing recipe file')
    .action(
      action(async (url: string, options: NewOptions, command) => {
        // Loaded when the command runs, so that start-up and --help stay light.
        const [{ HttpClient }, { httpPolicy }, { newRecipe }] = await Promise.all([import('../../net/http.js'), import('../../net/policy.js'), import('../../new/index.js')]);
        const config = await configFor(command);
        const http = new HttpClient(httpPolicy(config));
        try {
          const result = await newRecipe({ http, url, name: options.name, outDir: options.out ?? config.recipesDir, force: options.force });
          const { detected } = result;
          output(command, { ...result, yaml: undefined }, () =>
            [
              `wrote ${path.relative(process.cwd(), result.file) || result.file} (${result.tarballUrl})`,
              `  version:      ${result.version}`,
              `  build system: ${detected.buildSystem}`,
              `  license:      ${detected.license}`,
              `  dependencies: ${detected.dependencies.map((dependency) => `${dependency.name}${dependency.optional ? ' (optional)' : ''}`).join(', ') || 'none declared'}`,
              `  packages:     ${detected.library ? `library lib${detected.library.name} (soname ${detected.library.soversion ?? '?'}) + -dev` : 'one'}`,
              `  gate:         ${detected.program ? detected.program : detected.library?.pkgConfig ? `pkg-config --modversion ${detected.library.pkgConfig}` : 'none'}`,
              'next: check the # comments, then freshet lint, freshet explain, freshet run',
            ].join('\n'),
          );
          return ExitCode.ok;
        } finally {
          http.close();
        }
      }),
    );
};
