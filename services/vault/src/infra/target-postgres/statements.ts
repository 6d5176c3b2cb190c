import pg from 'pg';
import { fillStatement, parseStatements, type StatementKind } from '../../domain/lease/templates.js';

/** A statement ready to run, and how a failure names it. */
export interface RenderedStatement {
  label: string;
  sql: string;
}

/**
 * What runs when a role leaves renew or revocation empty. The revocation is the one that really
 * revokes: objects the user made move to the admin (the user the vault logs in as), what it still
 * owns or was granted goes, then the role. Logins are refused and sessions ended around these by the
 * revocation itself, whichever statements it runs (see role-ddl.ts).
 */
const BUILT_IN: Readonly<Partial<Record<StatementKind, readonly string[]>>> = {
  renew: ['ALTER ROLE {{name}} VALID UNTIL {{expiration}}'],
  revocation: ['REASSIGN OWNED BY {{name}} TO CURRENT_USER', 'DROP OWNED BY {{name}}', 'DROP ROLE IF EXISTS {{name}}'],
};

export interface StatementValues {
  username: string;
  verifier?: string;
  expiresAt?: Date;
}

/**
 * A role's statements of one kind (its own, or the built-in ones when it has none) with every
 * placeholder a quoted identifier or literal: pg's escapeIdentifier and escapeLiteral, never raw.
 */
export function renderStatements(
  kind: StatementKind,
  own: readonly string[],
  values: StatementValues,
): RenderedStatement[] {
  const builtIn = own.length === 0 ? BUILT_IN[kind] : undefined;
  const quoted = {
    name: pg.escapeIdentifier(values.username),
    ...(values.verifier === undefined ? {} : { password: pg.escapeLiteral(values.verifier) }),
    ...(values.expiresAt === undefined ? {} : { expiration: pg.escapeLiteral(values.expiresAt.toISOString()) }),
  };
  return parseStatements(kind, builtIn ?? own).map((template, index) => ({
    label: builtIn ? `the built-in ${kind} statement ${JSON.stringify(builtIn[index])}` : template.label,
    sql: fillStatement(template, quoted),
  }));
}
