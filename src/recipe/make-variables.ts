// Apart from fields.ts's schemas, so that the artifact policy of a publish does not load zod (issue 17).

/**
 * The `build.make` arguments that set a variable (`PREFIX=/usr`, `LIBDIR={libdir}`): these reach
 * install and clean as well; the rest name targets (lua's `linux-readline`), which only the build
 * runs, or `make clean linux-readline` would build again after cleaning.
 */
export function makeVariables(make: readonly string[] | undefined): string[] {
  return (make ?? []).filter((argument) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(argument));
}
