#!/usr/bin/env node
import { HearthError, InvalidFieldsError } from '@hearth/contracts';
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './commands/audit.js';
import { registerCredentialCommands } from './commands/credential.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEngineCommands } from './commands/engine.js';
import { registerDeployCommands } from './commands/deploy.js';
import { registerInitCommand } from './commands/init.js';
import { registerLeaseCommands } from './commands/lease.js';
import { registerParkedCommand } from './commands/parked.js';
import { registerPrincipalCommands } from './commands/principal.js';
import { registerRoleCommands } from './commands/role.js';
import { registerSecretCommands } from './commands/secret.js';
import { registerTenancyCommands } from './commands/tenancy.js';
import { registerTokenCommands } from './commands/token.js';
import { registerUpCommand } from './commands/up.js';
import { printErr } from './terminal.js';

// Exit codes: 0 done, 1 the command failed (a service said no, or could not be reached),
// 2 the command line itself was wrong.
const program = new Command('hearth')
  .description(
    'operate Hearth: the tenancy tree, deployments and tokens (console), secrets, principals and database leases (vault), the audit trail (hatch)',
  )
  .exitOverride();
registerTenancyCommands(program);
registerDeployCommands(program);
registerTokenCommands(program);
registerSecretCommands(program);
registerCredentialCommands(program);
registerPrincipalCommands(program);
registerEngineCommands(program);
registerRoleCommands(program);
registerLeaseCommands(program);
registerAuditCommands(program);
registerParkedCommand(program);
registerDemoCommand(program);
registerInitCommand(program);
registerUpCommand(program);

try {
  await program.parseAsync();
} catch (error) {
  process.exitCode = report(error);
}

function report(error: unknown): number {
  // Commander has already printed its own message (or the help) by the time it throws.
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof HearthError) printErr(`error ${error.code}: ${error.message}`);
  // A refusal field by field: each field's name and code on a line of its own, never a value.
  if (error instanceof InvalidFieldsError) {
    for (const field of error.fields) printErr(`  ${field.field}: ${field.code} (${field.message})`);
  } else printErr(`error: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
