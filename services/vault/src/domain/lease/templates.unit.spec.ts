import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError } from '@hearth/contracts';
import {
  checkUsernameTemplate,
  DEFAULT_USERNAME_TEMPLATE,
  fillStatement,
  parseStatement,
  placeholdersOf,
  renderUsername,
} from './templates.js';

const quoted = { name: '<N>', password: '<P>', expiration: '<E>' };
const fill = (text: string) => fillStatement(parseStatement('creation', 0, text), quoted);
const refusal = (act: () => unknown): HearthError => {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(HearthError);
    expect((error as HearthError).code).toBe(ErrorCode.RoleInvalid);
    return error as HearthError;
  }
  throw new Error('it was not refused');
};

describe('statement templates', () => {
  it('know the placeholders a statement holds', () => {
    const template = parseStatement(
      'creation',
      0,
      'CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiration}}',
    );
    expect(placeholdersOf(template)).toEqual(new Set(['name', 'password', 'expiration']));
    expect(placeholdersOf(parseStatement('revocation', 1, 'SELECT 1'))).toEqual(new Set());
  });

  it('put the quoted values where the placeholders stand, and the SQL around them as it was', () => {
    expect(fill('CREATE ROLE {{name}} PASSWORD {{password}} VALID UNTIL {{expiration}};')).toBe(
      'CREATE ROLE <N> PASSWORD <P> VALID UNTIL <E>;',
    );
    expect(fill('GRANT SELECT ON ALL TABLES IN SCHEMA public TO {{name}}')).toBe(
      'GRANT SELECT ON ALL TABLES IN SCHEMA public TO <N>',
    );
  });

  it('read quotes written around a placeholder as none: the vault quotes', () => {
    expect(fill(`CREATE ROLE "{{name}}" PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`)).toBe(
      'CREATE ROLE <N> PASSWORD <P> VALID UNTIL <E>',
    );
  });

  it('refuse an unknown placeholder, naming the statement and the placeholder', () => {
    const error = refusal(() => parseStatement('renew', 2, 'ALTER ROLE {{name}} VALID UNTIL {{expires}}'));
    expect(error.message).toContain('renew_statements[2]');
    expect(error.message).toContain('{{expires}}');
    expect(refusal(() => parseStatement('creation', 0, "SELECT '{{username}}'")).message).toContain('{{username}}');
    expect(refusal(() => parseStatement('creation', 0, 'CREATE ROLE {{ name }}')).message).toContain('{{ name }}');
  });

  it('refuse a placeholder its kind of statement never has a value for: a password exists only at creation', () => {
    expect(refusal(() => parseStatement('renew', 0, 'ALTER ROLE {{name}} PASSWORD {{password}}')).message).toContain(
      'renew_statements[0] holds {{password}}',
    );
    refusal(() => parseStatement('revocation', 1, 'ALTER ROLE {{name}} VALID UNTIL {{expiration}}'));
    refusal(() => parseStatement('rollback', 0, "SELECT '{{password}}'"));
    expect(fillStatement(parseStatement('renew', 0, 'ALTER ROLE {{name}} VALID UNTIL {{expiration}}'), quoted)).toBe(
      'ALTER ROLE <N> VALID UNTIL <E>',
    );
  });

  it('refuse a placeholder inside a longer string, an identifier, a dollar-quoted body or a comment', () => {
    for (const text of [
      "COMMENT ON ROLE {{name}} IS 'lease of {{name}}'",
      `CREATE ROLE "x{{name}}"`,
      'CREATE ROLE {{name}} PASSWORD "{{password}}"',
      'DO $$ BEGIN EXECUTE format($f$CREATE ROLE %I$f$, {{name}}); END $$',
      'CREATE ROLE {{name}} -- for {{name}}',
      'CREATE ROLE {{name}} /* {{password}} */',
    ]) {
      expect(refusal(() => parseStatement('creation', 3, text)).message).toContain('creation_statements[3]');
    }
  });

  it('leave braces and placeholder look-alikes in strings, bodies and comments alone when they are not placeholders', () => {
    expect(fill("SELECT '{1,2}', $$ {{ $$, E'it\\'s {{' -- }}")).toBe("SELECT '{1,2}', $$ {{ $$, E'it\\'s {{' -- }}");
    expect(fill("SELECT 'a''b' || {{name}}")).toBe("SELECT 'a''b' || <N>");
  });

  it('refuse transaction control: the vault begins and ends the transactions', () => {
    for (const text of ['COMMIT', '  begin', '/* x */ ROLLBACK', 'end;', 'SAVEPOINT s', 'start transaction']) {
      expect(refusal(() => parseStatement('revocation', 0, text)).message).toContain('revocation_statements[0]');
    }
    expect(fill('ENDPOINT_NOT_A_KEYWORD')).toBe('ENDPOINT_NOT_A_KEYWORD');
  });

  it('keep an injection attempt inside its quotes: only the value in place of a placeholder changes', () => {
    expect(fill(`CREATE ROLE {{name}}; DROP ROLE postgres`)).toBe('CREATE ROLE <N>; DROP ROLE postgres');
    expect(fill(`SELECT '"; DROP ROLE postgres; --'`)).toBe(`SELECT '"; DROP ROLE postgres; --'`);
  });
});

describe('username templates', () => {
  const at = new Date('2026-12-02T12:00:00Z');

  it('render the default from the role, the random, and map a role name`s - to _', () => {
    expect(renderUsername(DEFAULT_USERNAME_TEMPLATE, 'read-only', 'a1b2c3d4e5f6g7h8', at)).toBe(
      'v_read_only_a1b2c3d4e5f6g7h8',
    );
  });

  it('render {{unix_time}} as seconds', () => {
    expect(renderUsername('app_{{unix_time}}_{{random}}', 'ro', 'abc', at)).toBe(`app_${at.getTime() / 1000}_abc`);
  });

  it('refuse an unknown placeholder, naming it', () => {
    expect(refusal(() => checkUsernameTemplate('v_{{name}}_{{random}}', 'ro')).message).toContain('{{name}}');
  });

  it('refuse a template that could start with a digit, or hold anything but lowercase letters, digits and _', () => {
    for (const template of ['{{random}}', '{{unix_time}}_x', 'V_{{random}}', 'v-{{random}}', 'v {{random}}']) {
      refusal(() => checkUsernameTemplate(template, 'ro'));
    }
    refusal(() => checkUsernameTemplate('{{role}}_{{random}}', '9lives'));
    checkUsernameTemplate('{{role}}_{{random}}', 'lives9');
  });

  it('refuse injection: quotes, a statement separator, dollar quotes', () => {
    for (const template of [
      'v_{{random}}"; DROP ROLE postgres; --',
      "v_{{random}}'",
      'v_$$_{{random}}',
      'v_{{random}}$x$',
    ]) {
      refusal(() => checkUsernameTemplate(template, 'ro'));
    }
  });

  it('refuse a template whose names could exceed 63 characters, or begin with pg_', () => {
    const longRole = 'r'.repeat(32);
    checkUsernameTemplate(DEFAULT_USERNAME_TEMPLATE, longRole);
    expect(refusal(() => checkUsernameTemplate('{{role}}_{{role}}_{{random}}', longRole)).message).toContain('63');
    refusal(() => checkUsernameTemplate('pg_{{random}}', 'ro'));
  });

  it('refuse to render with a random that is not lowercase letters and digits', () => {
    expect(() => renderUsername(DEFAULT_USERNAME_TEMPLATE, 'ro', 'AB"; --', at)).toThrow(/lowercase/);
  });
});
