import { Capability, cryptoReady, generatePrincipalKeys, HearthError } from '@hearth/contracts';
import type { Command } from 'commander';
import { open, rm } from 'node:fs/promises';
import { z } from 'zod';
import type { KeyFile } from '../vault-session.js';
import { withVault } from '../vault-session.js';
import { printErr, printOut } from '../terminal.js';

const capabilities = (list: string) => z.array(Capability).min(1).parse(list.split(','));

/** `hearth principal …`: who may do what in the vault. */
export function registerPrincipalCommands(program: Command): void {
  const principal = program.command('principal').description('vault principals (ed25519 keys) and their path policies');

  principal
    .command('create <name>')
    .description('create a principal; its secret key is printed once (or written to --out, mode 600)')
    .option('--out <file>', 'write the key file here instead of printing it')
    .action((name: string, o: { out?: string }) =>
      withVault(async (vault) => {
        await cryptoReady();
        const keys = generatePrincipalKeys();
        const file = JSON.stringify({ name, ...keys } satisfies KeyFile, null, 2);
        const path = o.out;
        if (!path) {
          await vault.createPrincipal(name, keys.publicKey);
          printOut(file);
          printErr(`created ${name}. This is the only time its secret key is shown: keep it as its HEARTH_KEY_FILE.`);
          return;
        }
        // The key is on disk (mode 600, never over another file: that would lose another principal's
        // only key) before the principal exists, so a principal is never left without its key. It is
        // removed again only when the vault definitely refused; after a timeout the principal may
        // exist, and the key is kept.
        const out = await open(path, 'wx', 0o600).catch((error: unknown) => {
          const exists = (error as { code?: string }).code === 'EEXIST';
          throw new Error(exists ? `${path} exists: a key file is never overwritten` : `cannot create ${path}`);
        });
        try {
          await out.chmod(0o600);
          await out.writeFile(file);
        } catch (error) {
          await out.close();
          await rm(path, { force: true });
          throw error;
        }
        await out.close();
        try {
          await vault.createPrincipal(name, keys.publicKey);
        } catch (error) {
          const refused = error instanceof HearthError && !['unavailable', 'internal'].includes(error.kind);
          if (refused) await rm(path, { force: true });
          else printErr(`the vault did not confirm ${name}; its key is kept in ${path}`);
          throw error;
        }
        printOut(`created ${name}; its key file is ${path}`);
      }),
    );

  principal
    .command('grant <name> <pattern>')
    .description("allow (or with --deny, refuse) capabilities on '*', a path, or 'path/*' (the path and all below it)")
    .requiredOption('--caps <list>', `comma-separated: ${Capability.options.join(',')}`)
    .option('--deny', 'an explicit deny')
    .action((name: string, pattern: string, o: { caps: string; deny?: boolean }) =>
      withVault(async (vault) => {
        const granted = await vault.grant(name, {
          pattern,
          capabilities: capabilities(o.caps),
          effect: o.deny ? 'deny' : 'allow',
        });
        printOut(
          `${granted.rule.effect} ${granted.rule.capabilities.join(',')} on ${granted.rule.pattern} for ${name}`,
        );
      }),
    );

  principal.command('revoke <name> <pattern>').action((name: string, pattern: string) =>
    withVault(async (vault) => {
      const { revoked } = await vault.revoke(name, pattern);
      printOut(revoked ? `revoked ${pattern} from ${name}` : `${name} had no rule for ${pattern}`);
    }),
  );

  principal
    .command('remove <name>')
    .description('end a principal: its key, its rules and its live sessions (never root)')
    .action((name: string) =>
      withVault(async (vault) => {
        await vault.revokePrincipal(name);
        printOut(`removed ${name}: its requests, signed or in a session, are refused from now on`);
      }),
    );
}
