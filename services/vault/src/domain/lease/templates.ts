import { ErrorCode, HearthError } from '@hearth/contracts';

/**
 * The templates of a lease role: its statements and its username. Both come from an operator and end
 * up in SQL run as the engine's admin, so what they may hold is closed: a placeholder the vault does
 * not know, or a username that would not be a plain identifier, is refused when the role is defined,
 * long before a lease runs it.
 */

export type StatementKind = 'creation' | 'renew' | 'revocation' | 'rollback';
export type Placeholder = 'name' | 'password' | 'expiration';
const PLACEHOLDERS: readonly string[] = ['name', 'password', 'expiration'] satisfies Placeholder[];

/** What each kind of statement knows when it runs: a password exists only while the user is made. */
const KNOWN: Readonly<Record<StatementKind, readonly Placeholder[]>> = {
  creation: ['name', 'password', 'expiration'],
  renew: ['name', 'expiration'],
  revocation: ['name'],
  rollback: ['name'],
};

/** How an operator may write a placeholder's own quotes: we quote, so they mean the same as none. */
const OWN_QUOTE: Readonly<Record<Placeholder, "'" | '"'>> = { name: '"', password: "'", expiration: "'" };

export type StatementPart = { sql: string } | { placeholder: Placeholder };

/** A statement cut into SQL and the placeholders in it, in order. */
export interface StatementTemplate {
  /** `creation_statements[0]`: how messages name it, as the role's fields do. */
  label: string;
  parts: readonly StatementPart[];
}

const invalid = (message: string) => new HearthError(ErrorCode.RoleInvalid, message);
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/**
 * Cuts a statement into SQL and placeholders. A placeholder stands in code (`{{name}}`) or alone
 * inside its own quotes (`"{{name}}"`, `'{{password}}'`, `'{{expiration}}'`); one inside a longer
 * string, identifier, dollar-quoted body or comment could not be quoted for where it lands, and is
 * refused like a placeholder the vault does not know.
 */
export function parseStatement(kind: StatementKind, index: number, text: string): StatementTemplate {
  const label = `${kind}_statements[${index}]`;
  const parts: StatementPart[] = [];
  let sql = '';
  const placeholderAt = (token: string): Placeholder => {
    const name = token.slice(2, -2);
    if (!PLACEHOLDERS.includes(name)) {
      throw invalid(`${label} holds the unknown placeholder ${token}: only {{name}}, {{password}} and {{expiration}}`);
    }
    const known = KNOWN[kind];
    if (!known.includes(name as Placeholder)) {
      throw invalid(
        `${label} holds ${token}: a ${kind} statement knows only ${known.map((k) => `{{${k}}}`).join(', ')}`,
      );
    }
    return name as Placeholder;
  };
  const push = (placeholder: Placeholder) => {
    parts.push({ sql }, { placeholder });
    sql = '';
  };
  for (const token of sqlTokens(text)) {
    if (token.kind === 'code') {
      let at = 0;
      for (const match of token.text.matchAll(PLACEHOLDER)) {
        sql += token.text.slice(at, match.index);
        push(placeholderAt(match[0]));
        at = match.index + match[0].length;
      }
      sql += token.text.slice(at);
      continue;
    }
    const inner = [...token.text.matchAll(PLACEHOLDER)];
    if (inner.length === 0) {
      sql += token.text;
      continue;
    }
    const alone = inner.length === 1 && inner[0]![0].length === token.text.length - 2 ? inner[0]![0] : null;
    const placeholder = placeholderAt(alone ?? inner[0]![0]);
    if (alone === null || token.text[0] !== OWN_QUOTE[placeholder] || token.kind === 'comment') {
      throw invalid(
        `${label} holds {{${placeholder}}} inside a string, identifier or comment: write it bare or as ${OWN_QUOTE[placeholder]}{{${placeholder}}}${OWN_QUOTE[placeholder]}, the vault quotes it`,
      );
    }
    push(placeholder);
  }
  if (sql !== '' || parts.length === 0) parts.push({ sql });
  if (TRANSACTION_CONTROL.test(codeOf(text))) {
    throw invalid(
      `${label} controls the transaction: the vault runs each kind of statement in a transaction of its own`,
    );
  }
  return { label, parts };
}

export function parseStatements(kind: StatementKind, statements: readonly string[]): StatementTemplate[] {
  return statements.map((text, index) => parseStatement(kind, index, text));
}

/** The placeholders a statement holds. */
export function placeholdersOf(template: StatementTemplate): Set<Placeholder> {
  return new Set(template.parts.flatMap((part) => ('placeholder' in part ? [part.placeholder] : [])));
}

/**
 * The statement with each placeholder replaced by its value, already quoted by the caller for SQL;
 * a statement's kind decides which values it may hold, so the caller gives those its kind knows.
 */
export function fillStatement(
  template: StatementTemplate,
  quoted: Readonly<Partial<Record<Placeholder, string>>>,
): string {
  return template.parts
    .map((part) => {
      if (!('placeholder' in part)) return part.sql;
      const value = quoted[part.placeholder];
      if (value === undefined) throw new Error(`${template.label}: no value for {{${part.placeholder}}}`);
      return value;
    })
    .join('');
}

/** A role's statement that ended or split the vault's transaction could leave a half-made user, or validation's sample. */
const TRANSACTION_CONTROL =
  /^\s*(?:begin|commit|rollback|abort|end|start\s+transaction|savepoint|release|prepare\s+transaction)\b/i;

/** The statement without its strings and comments, so its first word is its own. */
const codeOf = (text: string): string =>
  [...sqlTokens(text)].map((token) => (token.kind === 'code' ? token.text : ' ')).join('');

interface SqlToken {
  /** `code` is where placeholders are SQL; the rest is quoted text or a comment, copied as it is. */
  kind: 'code' | 'quoted' | 'comment';
  text: string;
}

/**
 * Postgres's lexical shapes that hide code: '…' (and E'…' with backslash escapes), "…", $tag$…$tag$,
 * -- and nested /* … *\/ comments. Enough to know where a placeholder stands; the server parses the rest.
 */
function* sqlTokens(text: string): Generator<SqlToken> {
  let code = '';
  let at = 0;
  const flush = function* (): Generator<SqlToken> {
    if (code) yield { kind: 'code', text: code };
    code = '';
  };
  while (at < text.length) {
    const end = quotedEnd(text, at);
    if (end === null) {
      code += text[at];
      at++;
      continue;
    }
    yield* flush();
    const kind = text[at] === '-' || text[at] === '/' ? 'comment' : 'quoted';
    // An E'…' string: its E stays code, the quotes and what they hold are the token.
    yield { kind, text: text.slice(at, end) };
    at = end;
  }
  yield* flush();
}

/** Where the quoted string, identifier, dollar-quoted body or comment starting at `at` ends, or null. */
function quotedEnd(text: string, at: number): number | null {
  const c = text[at];
  const endOf = (found: number) => (found < 0 ? text.length : found);
  if (c === "'" || c === '"') {
    const backslashes = c === "'" && /[eE]/.test(text[at - 1] ?? '') && !/[\w$]/.test(text[at - 2] ?? '');
    let i = at + 1;
    while (i < text.length) {
      if (backslashes && text[i] === '\\') i += 2;
      else if (text[i] === c && text[i + 1] === c) i += 2;
      else if (text[i] === c) return i + 1;
      else i++;
    }
    return text.length;
  }
  if (c === '-' && text[at + 1] === '-') return endOf(text.indexOf('\n', at));
  if (c === '/' && text[at + 1] === '*') {
    let depth = 0;
    let i = at;
    while (i < text.length) {
      if (text.startsWith('/*', i) || text.startsWith('*/', i)) {
        depth += text[i] === '/' ? 1 : -1;
        i += 2;
        if (depth === 0) return i;
      } else i++;
    }
    return text.length;
  }
  if (c === '$' && !/[\w$]/.test(text[at - 1] ?? '')) {
    const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(at))?.[0];
    if (!tag) return null;
    const close = text.indexOf(tag, at + tag.length);
    return close < 0 ? text.length : close + tag.length;
  }
  return null;
}

/** The username template every role has unless it names its own. */
export const DEFAULT_USERNAME_TEMPLATE = 'v_{{role}}_{{random}}';
/** How many lowercase letters and digits `{{random}}` stands for in a username. */
export const USERNAME_RANDOM_CHARS = 16;
const USERNAME_PLACEHOLDERS: readonly string[] = ['role', 'random', 'unix_time'];
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const MAX_IDENTIFIER = 63;

/**
 * Refuses a username template that could make anything but a plain lowercase identifier of at most 63
 * characters for `role`: it is rendered with the worst values it can meet (a random of digits only,
 * a ten-digit time), so what passes here renders to an identifier for every lease.
 */
export function checkUsernameTemplate(template: string, role: string): void {
  const label = `username_template ${JSON.stringify(template)}`;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (!USERNAME_PLACEHOLDERS.includes(match[1]!)) {
      throw invalid(`${label} holds the unknown placeholder ${match[0]}: only {{role}}, {{random}} and {{unix_time}}`);
    }
  }
  const worst = fillUsername(template, role, '0'.repeat(USERNAME_RANDOM_CHARS), 9_999_999_999);
  if (!IDENTIFIER.test(worst)) {
    throw invalid(
      `${label} does not make a lowercase identifier (a letter or _ first, then letters, digits and _; {{random}} may start with a digit) for role ${role}`,
    );
  }
  if (worst.length > MAX_IDENTIFIER) {
    throw invalid(
      `${label} makes names of up to ${worst.length} characters for role ${role}: at most ${MAX_IDENTIFIER}`,
    );
  }
  if (worst.startsWith('pg_')) throw invalid(`${label} makes names starting with pg_, which Postgres reserves`);
}

/** A leased user's name: `random` is lowercase letters and digits, `now` the issue time. */
export function renderUsername(template: string, role: string, random: string, now: Date): string {
  checkUsernameTemplate(template, role);
  if (!/^[a-z0-9]+$/.test(random) || random.length > USERNAME_RANDOM_CHARS) {
    throw new Error(`a username's random is at most ${USERNAME_RANDOM_CHARS} lowercase letters and digits`);
  }
  const name = fillUsername(template, role, random, Math.floor(now.getTime() / 1000));
  if (!IDENTIFIER.test(name) || name.length > MAX_IDENTIFIER) {
    throw invalid(`username_template ${JSON.stringify(template)} made a name that is not an identifier`);
  }
  return name;
}

function fillUsername(template: string, role: string, random: string, unixTime: number): string {
  const values: Record<string, string> = { role: role.replaceAll('-', '_'), random, unix_time: String(unixTime) };
  return template.replace(PLACEHOLDER, (_, name: string) => values[name]!);
}
