import { startLeaseStack, type LeaseStack } from '@hearth/testkit';

/** A role's creation: a user that logs in until its lease's expiry, nothing more. */
export const LOGIN_CREATION = 'CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiration}}';

/**
 * The testkit's lease stack for a benchmark, its stop pushed on `cleanup`: engine and role `name`
 * (users `v_<name>_…`), the vault at info (at debug its log lines would be measured with its work).
 */
export async function startLeaseBench(cleanup: Array<() => Promise<unknown>>, name: string): Promise<LeaseStack> {
  const stack = await startLeaseStack(name, { LOG_LEVEL: 'info' });
  cleanup.push(() => stack.stop());
  await stack.root.defineRole({ name, engine: name, creation_statements: [LOGIN_CREATION], default_ttl: 3600 });
  return stack;
}
