import { docker } from '@hearth/testkit';

/** `docker <args>`, failing with the command line when it does not exit 0. */
export async function dockerOk(args: string[]): Promise<string> {
  const { status, stdout } = await docker(args);
  if (status !== 0) throw new Error(`docker ${args.join(' ')} exited with ${status}`);
  return stdout;
}

/** The ids of the containers (all, running or not) and of the networks carrying `label`. */
export async function labelled(label: string): Promise<{ containers: string[]; networks: string[] }> {
  const ids = (text: string) => text.split('\n').filter(Boolean);
  return {
    containers: ids(await dockerOk(['ps', '-aq', '--no-trunc', '--filter', `label=${label}`])),
    networks: ids(await dockerOk(['network', 'ls', '-q', '--no-trunc', '--filter', `label=${label}`])),
  };
}

/** Removes every container (with its volumes), then every network, carrying `label`. */
export async function removeLabelled(label: string): Promise<void> {
  const { containers, networks } = await labelled(label);
  if (containers.length > 0) await dockerOk(['rm', '-fv', ...containers]);
  if (networks.length > 0) await dockerOk(['network', 'rm', ...networks]);
}
