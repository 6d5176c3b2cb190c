import { OperatorRole, parseRequest, TokenCreateRequest, TokenName } from '@hearth/contracts';
import type { Command } from 'commander';
import { consoleConnection } from '../config.js';
import { ConsoleApi } from '../console-api.js';
import { print } from '../output.js';
import { formatTable } from '../table.js';
import { printErr } from '../terminal.js';

/** `hearth token …`: bearer tokens for the console API. */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('operator tokens for the console API');

  token
    .command('create <name>')
    .description('issue a token; it is printed once and the console keeps only its SHA-256')
    .requiredOption('--role <role>', OperatorRole.options.join(' | '))
    .option('--json', 'print the raw JSON answer')
    .action(async (name: string, o: { role: string; json?: boolean }) => {
      const request = parseRequest(TokenCreateRequest, { name, role: o.role });
      const created = await new ConsoleApi(consoleConnection()).createToken(request);
      print(
        o.json,
        created,
        () =>
          `${formatTable(['name', 'role', 'id'], [[created.name, created.role, created.id]])}\n\ntoken: ${created.token}`,
      );
      printErr('This is the only time the token is shown: store it now (it works as HEARTH_TOKEN).');
    });

  token
    .command('revoke <name>')
    .description('revoke a token: the console refuses it at once, hatch and the vault within their token cache period')
    .option('--json', 'print the raw JSON answer')
    .action(async (name: string, o: { json?: boolean }) => {
      const revoked = await new ConsoleApi(consoleConnection()).revokeToken(parseRequest(TokenName, name));
      print(o.json, revoked, () => formatTable(['revoked', 'role', 'id'], [[revoked.name, revoked.role, revoked.id]]));
    });
}
