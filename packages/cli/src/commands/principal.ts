import { Capability, generatePrincipalKeys, cryptoReady } from '@hearth/contracts';
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { KeyFile } from '../vault-session.js';
import { withVault } from '../vault-session.js';

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
        await vault.createPrincipal(name, keys.publicKey);
        const file: KeyFile = { name, ...keys };
        if (o.out) {
          writeFileSync(o.out, JSON.stringify(file, null, 2), { mode: 0o600 });
          console.log(`created ${name}; its key file is ${o.out}`);
        } else {
          console.log(JSON.stringify(file, null, 2));
          console.error(
            `created ${name}. This is the only time its secret key is shown: keep it as its HEARTH_KEY_FILE.`,
          );
        }
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
        console.log(
          `${granted.rule.effect} ${granted.rule.capabilities.join(',')} on ${granted.rule.pattern} for ${name}`,
        );
      }),
    );

  principal.command('revoke <name> <pattern>').action((name: string, pattern: string) =>
    withVault(async (vault) => {
      const { revoked } = await vault.revoke(name, pattern);
      console.log(revoked ? `revoked ${pattern} from ${name}` : `${name} had no rule for ${pattern}`);
    }),
  );
}
