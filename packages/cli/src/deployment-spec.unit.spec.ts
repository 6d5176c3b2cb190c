import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from 'commander';
import { collectNamed, deploymentRequest, type NamedValue } from './deployment-spec.js';
import { parseSpecFile } from './spec-file.js';

const IMAGE = 'hearth-test/postgres:15';
const named = (...items: string[]): NamedValue[] =>
  items.reduce<NamedValue[]>((all, item) => collectNamed('a=b')(item, all), []);

const FILE = parseSpecFile(
  `
slug: web
tier: dev
sidecars:
  - name: postgres
    image: ${IMAGE}
workloads:
  - name: agent
    image: ${IMAGE}
    command: ["sleep", "infinity"]
    env_refs: [OPENAI_API_KEY]
`,
  'deployment.yaml',
  'one deployment',
);

describe('hearth deploy create: the request from options and a file', () => {
  it('reads name=value options, the value keeping its own = signs', () => {
    expect(named('agent=OPENAI_API_KEY', 'agent=sh -c a=b')).toEqual([
      ['agent', 'OPENAI_API_KEY'],
      ['agent', 'sh -c a=b'],
    ]);
    for (const bad of ['agent', '=image', 'agent=']) {
      expect(() => named(bad)).toThrow(InvalidArgumentError);
    }
  });

  it('builds workloads from options alone: image, command split at spaces, env refs, secrets as env', () => {
    const request = deploymentRequest(
      'web',
      {},
      {
        tier: 'dev',
        sidecar: named(`postgres=${IMAGE}`),
        workload: named(`agent=${IMAGE}`, `job=${IMAGE}`),
        command: named('agent=sleep  infinity'),
        envRef: named('agent=OPENAI_API_KEY', 'agent=GITHUB_TOKEN', 'job=SLACK_WEBHOOK'),
        secretsAsEnv: ['job'],
      },
    );
    expect(request).toEqual({
      slug: 'web',
      tier: 'dev',
      driver: 'localdocker',
      sidecars: [{ name: 'postgres', image: IMAGE }],
      workloads: [
        { name: 'agent', image: IMAGE, command: ['sleep', 'infinity'], env_refs: ['OPENAI_API_KEY', 'GITHUB_TOKEN'] },
        { name: 'job', image: IMAGE, env_refs: ['SLACK_WEBHOOK'], secrets_as_env: true },
      ],
    });
  });

  it("takes the file's body, the options over and beside it", () => {
    const request = deploymentRequest(undefined, FILE, {
      tier: 'standard',
      envRef: named('agent=POSTGRES_PASSWORD'),
      workload: named(`worker=${IMAGE}`),
    });
    expect(request).toEqual({
      slug: 'web',
      tier: 'standard',
      driver: 'localdocker',
      sidecars: [{ name: 'postgres', image: IMAGE }],
      workloads: [
        {
          name: 'agent',
          image: IMAGE,
          command: ['sleep', 'infinity'],
          env_refs: ['OPENAI_API_KEY', 'POSTGRES_PASSWORD'],
        },
        { name: 'worker', image: IMAGE },
      ],
    });
    // The file is read once and left as it was: options change a copy.
    expect((FILE.workloads as Array<{ env_refs: string[] }>)[0]!.env_refs).toEqual(['OPENAI_API_KEY']);
    expect(deploymentRequest('web', FILE, {}).tier).toBe('dev');
    // No engine unless asked for: the console places it.
    expect(deploymentRequest('web', FILE, {})).not.toHaveProperty('engine');
    expect(deploymentRequest('web', { ...FILE, engine: 'east' }, { engine: 'west' }).engine).toBe('west');
  });

  it('reads a JSON file the same way', () => {
    const json = parseSpecFile(JSON.stringify(FILE), 'deployment.json', 'one deployment');
    expect(deploymentRequest(undefined, json, {})).toEqual(deploymentRequest(undefined, FILE, {}));
  });

  it('refuses a slug the file and the command disagree on, an option for no workload, and what the contract refuses', () => {
    expect(() => deploymentRequest('api', FILE, {})).toThrow(/names "web", the command api/);
    expect(() => deploymentRequest('web', FILE, { command: named('ghost=sleep 1') })).toThrow(
      expect.objectContaining({ code: 'HEARTH.INVALID_REQUEST', message: expect.stringContaining('--command ghost') }),
    );
    expect(() => deploymentRequest('web', FILE, { secretsAsEnv: ['ghost'] })).toThrow(/--secrets-as-env ghost/);
    expect(() => deploymentRequest(undefined, {}, { tier: 'dev' })).toThrow(
      expect.objectContaining({ code: 'CONSOLE.INVALID_SLUG' }),
    );
    // A credential in a workload's env is refused before it leaves: it belongs in env_refs.
    const withSecret = { ...FILE, workloads: [{ name: 'agent', image: IMAGE, env: { OPENAI_API_KEY: 'sk-1' } }] };
    expect(() => deploymentRequest(undefined, withSecret, {})).toThrow(
      expect.objectContaining({ code: 'CONSOLE.SECRET_IN_SPEC' }),
    );
    expect(() => deploymentRequest('web', { sidecars: 'postgres' }, { tier: 'dev' })).toThrow(
      /sidecars .* must be a list/,
    );
    expect(() =>
      deploymentRequest(
        'web',
        {},
        { tier: 'dev', workload: named(`postgres=${IMAGE}`), sidecar: named(`postgres=${IMAGE}`) },
      ),
    ).toThrow(/names must be unique/);
  });
});
