import { ErrorCode, HearthError } from '@hearth/contracts';
import pg from 'pg';
import type { LeasedUser, LeaseStatements } from '../../app/ports.js';
import type { StatementKind } from '../../domain/lease/templates.js';
import type { DdlSession } from './ddl-session.js';
import { renderStatements } from './statements.js';

/**
 * What a lease does to a target server, one engine's call at a time (the caller queues them). Every
 * procedure runs its statements on `s`, whose failures name the statement.
 */

/** How long a terminated session is waited for, so the drop that follows finds it gone. */
const TERMINATE_WAIT_MS = 5000;

interface Revocation {
  kind: StatementKind;
  own: readonly string[];
}
const revocationOf = (statements: LeaseStatements): Revocation => ({
  kind: 'revocation',
  own: statements.revocation,
});
/** A role's rollback, or its revocation when it has none. */
const rollbackOf = (statements: LeaseStatements): Revocation =>
  statements.rollback.length > 0 ? { kind: 'rollback', own: statements.rollback } : revocationOf(statements);

/**
 * The creation statements in one transaction (a single one needs no BEGIN: it is its own). When they
 * fail nothing of them is left; a user there after the failure was there before — another's, never
 * to be rolled back — and is named as such. Otherwise the rollback runs and the creation's failure is thrown.
 */
export async function createUser(s: DdlSession, user: LeasedUser, statements: LeaseStatements): Promise<void> {
  try {
    await s.inTransaction(renderStatements('creation', statements.creation, user));
  } catch (error) {
    // With the connection gone there is no knowing whether COMMIT landed: the lease's revocation finds out.
    if (!(error instanceof HearthError) || error.code === ErrorCode.EngineUnavailable) throw error;
    const [existing] = await s.rows(`looking up user ${user.username}`, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [
      user.username,
    ]);
    if (existing) throw new HearthError(ErrorCode.RoleInvalid, `user ${user.username} exists already`);
    try {
      await revoke(s, user.username, rollbackOf(statements), { transaction: true });
    } catch (rollbackError) {
      throw new HearthError(
        error.code,
        `${error.message}; the rollback failed too: ${(rollbackError as Error).message}`,
      );
    }
    throw error;
  }
}

export async function renewUser(
  s: DdlSession,
  user: Omit<LeasedUser, 'verifier'>,
  statements: LeaseStatements,
): Promise<void> {
  await s.inTransaction(renderStatements('renew', statements.renew, user));
}

export async function dropUser(s: DdlSession, username: string, revocation: readonly string[]): Promise<void> {
  await revoke(s, username, { kind: 'revocation', own: revocation }, { transaction: true });
}

/**
 * Revokes completely, whichever statements the role gives: a user already gone is done; else new
 * logins are refused, its sessions ended (waited for, so none holds a lock the drop needs), the
 * user's code made harmless to the admin who takes it (see disarm), its objects in other databases
 * taken, the statements run, sessions opened meanwhile ended too — found by the role's oid, which outlives its
 * name — and then the role must be gone with no session left, or the revocation failed with why.
 * A non-superuser admin first takes membership of the user, which Postgres asks of whoever ends its
 * sessions or takes its objects. `transaction: false` runs inside the caller's transaction (validate).
 */
async function revoke(
  s: DdlSession,
  username: string,
  revocation: Revocation,
  { transaction }: { transaction: boolean },
): Promise<void> {
  const statements = renderStatements(revocation.kind, revocation.own, { username });
  const [found] = await s.rows<{ oid: string; admin_is_superuser: boolean; forbidden: boolean }>(
    `looking up user ${username}`,
    `SELECT r.oid::text AS oid, a.rolsuper AS admin_is_superuser, r.rolsuper OR r.oid = a.oid AS forbidden
       FROM pg_roles r, pg_roles a WHERE r.rolname = $1 AND a.rolname = current_user`,
    [username],
  );
  if (!found) return;
  // The revocation takes what a role owns: never the admin's own, nor a superuser's.
  if (found.forbidden) {
    throw new HearthError(ErrorCode.RoleInvalid, `refusing to revoke ${username}: a superuser or the engine's admin`);
  }
  const name = pg.escapeIdentifier(username);
  if (!found.admin_is_superuser) {
    await s.exec({ label: `granting the admin membership of ${username}`, sql: `GRANT ${name} TO CURRENT_USER` });
  }
  await s.exec({ label: `refusing new logins of ${username}`, sql: `ALTER ROLE ${name} NOLOGIN` });
  await endSessions(s, username, found.oid);
  await disarm(s, username, found.oid);
  await takeObjectsElsewhere(s, username, found.oid);
  if (transaction) await s.inTransaction(statements);
  else for (const statement of statements) await s.exec(statement);
  await endSessions(s, username, found.oid);
  const [left] = await s.rows<{ roles: number; sessions: number }>(
    `checking that ${username} is gone`,
    `SELECT (SELECT count(*) FROM pg_roles WHERE rolname = $1)::int AS roles,
            (SELECT count(*) FROM pg_stat_activity WHERE usesysid = $2::oid)::int AS sessions`,
    [username, found.oid],
  );
  const by = revocation.own.length > 0 ? `the role's ${revocation.kind}_statements` : 'the built-in revocation';
  if (left!.roles > 0) throw new HearthError(ErrorCode.RoleInvalid, `user ${username} still exists after ${by}`);
  if (left!.sessions > 0) {
    throw new HearthError(ErrorCode.RoleInvalid, `${left!.sessions} sessions of ${username} outlived its revocation`);
  }
}

/**
 * A revocation hands the user's objects to the admin (REASSIGN OWNED), and what runs with its owner's
 * rights would then run as the admin for whoever may call it: a SECURITY DEFINER routine, a view
 * (over pg_authid, say). Before that, such routines become SECURITY INVOKER and views security_invoker
 * (Postgres 15 and later; older servers have no such option). Names come quoted by Postgres itself
 * (regprocedure, regclass).
 */
async function disarm(s: DdlSession, username: string, oid: string): Promise<void> {
  const routines = await s.rows<{ routine: string }>(
    `finding the SECURITY DEFINER routines of ${username}`,
    'SELECT oid::regprocedure::text AS routine FROM pg_proc WHERE proowner = $1::oid AND prosecdef',
    [oid],
  );
  for (const { routine } of routines) {
    await s.exec({ label: `making ${routine} SECURITY INVOKER`, sql: `ALTER ROUTINE ${routine} SECURITY INVOKER` });
  }
  const views = await s.rows<{ view: string }>(
    `finding the views of ${username}`,
    `SELECT oid::regclass::text AS view FROM pg_class
      WHERE relowner = $1::oid AND relkind = 'v' AND current_setting('server_version_num')::int >= 150000`,
    [oid],
  );
  for (const { view } of views) {
    await s.exec({ label: `making ${view} security_invoker`, sql: `ALTER VIEW ${view} SET (security_invoker = true)` });
  }
}

/**
 * A role's objects and grants in the server's other databases keep DROP ROLE from succeeding, and any
 * user may leave some (a large object, in any database it may connect to, template1 included): in
 * each of them its objects go to the admin, disarmed first, and its grants go.
 */
async function takeObjectsElsewhere(s: DdlSession, username: string, oid: string): Promise<void> {
  const databases = await s.rows<{ datname: string }>(
    `finding the other databases holding objects or grants of ${username}`,
    `SELECT DISTINCT d.datname FROM pg_shdepend sd JOIN pg_database d ON d.oid = sd.dbid
      WHERE sd.refclassid = 'pg_authid'::regclass AND sd.refobjid = $1::oid AND d.datname <> current_database()`,
    [oid],
  );
  const name = pg.escapeIdentifier(username);
  for (const { datname } of databases) {
    await s.onDatabase(datname, async (other) => {
      await disarm(other, username, oid);
      await other.inTransaction([
        { label: `taking the objects of ${username} in ${datname}`, sql: `REASSIGN OWNED BY ${name} TO CURRENT_USER` },
        { label: `dropping the grants of ${username} in ${datname}`, sql: `DROP OWNED BY ${name}` },
      ]);
    });
  }
}

async function endSessions(s: DdlSession, username: string, oid: string): Promise<void> {
  await s.rows(
    `ending the sessions of ${username}`,
    `SELECT pg_terminate_backend(pid, ${TERMINATE_WAIT_MS}) FROM pg_stat_activity
      WHERE usesysid = $1::oid AND pid <> pg_backend_pid()`,
    [oid],
  );
}

/**
 * Tries a role's statements on a sample user inside a transaction that is rolled back, so nothing is
 * left behind: creation (which must make the user), renew, the rollback (undone by a savepoint) and
 * the revocation, each as a lease would run it. The first failure names its statement.
 */
export async function validate(s: DdlSession, user: LeasedUser, statements: LeaseStatements): Promise<void> {
  await s.exec({ label: 'BEGIN', sql: 'BEGIN' });
  try {
    for (const statement of renderStatements('creation', statements.creation, user)) await s.exec(statement);
    const [made] = await s.rows(`looking up the sample user`, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [
      user.username,
    ]);
    if (!made) throw new HearthError(ErrorCode.RoleInvalid, 'the creation_statements do not create the user {{name}}');
    for (const statement of renderStatements('renew', statements.renew, user)) await s.exec(statement);
    if (statements.rollback.length > 0) {
      await s.exec({ label: 'SAVEPOINT', sql: 'SAVEPOINT before_rollback' });
      await revoke(s, user.username, rollbackOf(statements), { transaction: false });
      await s.exec({ label: 'ROLLBACK TO SAVEPOINT', sql: 'ROLLBACK TO SAVEPOINT before_rollback' });
    }
    await revoke(s, user.username, revocationOf(statements), { transaction: false });
  } catch (error) {
    await s.rollback(error);
    throw error;
  }
  await s.exec({ label: 'ROLLBACK', sql: 'ROLLBACK' });
}
