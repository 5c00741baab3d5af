import test, { type ExecutionContext } from 'ava';

/**
 * Registers one ava test per case, titled `<driver> › <rule> (<name>)`. A case named in
 * `unsupported` is registered as skipped with its reason in the title, so the run reports it
 * skipped, never passed. Cases run under umask 0 so that modes are exactly what they set.
 */
export function registerCases<Name extends string, Run>(
  driverName: string,
  cases: Record<Name, [string, Run]>,
  unsupported: Partial<Record<Name, string>>,
  runCase: (t: ExecutionContext, run: Run) => Promise<void>,
): void {
  process.umask(0);
  for (const name of Object.keys(cases) as Name[]) {
    const [rule, run] = cases[name];
    const title = `${driverName} › ${rule} (${name})`;
    const why = unsupported[name];
    if (why === undefined) test(title, (t) => runCase(t, run));
    else test.skip(`${title}: skipped, ${why}`, () => {});
  }
}
