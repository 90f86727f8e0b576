import { action, type RegisterCommand } from '../context.js';

export interface GenerateOptions {
  target: string;
  out: string;
  version?: string;
  packageVersion?: string;
  tarball?: string;
  date?: string;
  diff?: boolean;
}

export const registerGenerate: RegisterCommand = (program) => {
  program
    .command('generate')
    .description('write a Debian source package (orig tarball, unpacked tree, debian/) for one recipe and target')
    .argument('<recipe>', 'recipe name or file')
    .requiredOption('-t, --target <id>', 'target id from the config')
    .requiredOption('-o, --out <dir>', 'folder to write the source package into')
    .option('--version <version>', 'upstream version (default: read from the tarball name)')
    .option('--package-version <version>', 'full package version (default: from the version planner)')
    .option('--tarball <file>', "the upstream tarball (default: fetch upstream's newest, or --version, into the state's cache)")
    .option('--date <date>', 'changelog date (default: $SOURCE_DATE_EPOCH, else now)')
    .option('--diff', 'print a unified diff of debian/ against the previous generation')
    .action(
      action(async (recipeName: string, options: GenerateOptions, command) => (await import('../actions/generate.js')).generateCommand(recipeName, options, command)),
    );
};
