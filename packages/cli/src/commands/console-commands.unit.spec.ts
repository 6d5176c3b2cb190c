import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDeployCommands } from './deploy.js';
import { registerTenancyCommands } from './tenancy.js';

const CREATED = '2026-12-03T10:00:00.000Z';
const ORG = { slug: 'acme', display_name: 'Acme Inc', created: CREATED };
const TEAM = { slug: 'platform', display_name: 'platform', org: 'acme', created: CREATED };
const WORKSPACE = { slug: 'web', display_name: 'web', team: 'platform', org: 'acme', created: CREATED };
const REF = {
  workspace_slug: 'web',
  tier: 'dev',
  driver: 'localdocker',
  engine: 'default',
  endpoint: '',
  secrets_vault_path: 'vault://hearth/web',
  created: CREATED,
  last_status: 'provisioning',
};

/** What the stand-in console was asked: method, path with query, body. */
interface Asked {
  method: string;
  url: string;
  body: unknown;
}

/**
 * The commands against a stand-in for the console's HTTP API: what each sends (route, body, query),
 * and how it prints the answer. The console's own behaviour is tested against the console.
 */
describe('hearth org | team | workspace, deploy create -f and deploy restart', () => {
  let server: Server;
  const asked: Asked[] = [];
  const answers = new Map<string, [number, unknown]>([
    ['POST /v1/orgs', [201, ORG]],
    ['GET /v1/orgs', [200, { items: [ORG] }]],
    ['GET /v1/orgs/acme', [200, ORG]],
    ['GET /v1/orgs/nobody', [404, { error: { code: 'CONSOLE.TENANT_NOT_FOUND', message: 'no org nobody' } }]],
    ['POST /v1/teams', [201, TEAM]],
    ['GET /v1/teams?org=acme', [200, { items: [TEAM] }]],
    ['GET /v1/teams/platform', [200, TEAM]],
    ['POST /v1/workspaces', [201, WORKSPACE]],
    ['GET /v1/workspaces?team=platform&org=acme', [200, { items: [WORKSPACE] }]],
    ['GET /v1/workspaces/web', [200, WORKSPACE]],
    ['POST /v1/deployments', [201, { ...REF, last_status: 'requested' }]],
    ['POST /v1/deployments/web/restart', [202, REF]],
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'hearth-deploy-'));
  const saved = { url: process.env.HEARTH_CONSOLE_URL, token: process.env.HEARTH_TOKEN };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        const key = `${request.method} ${request.url}`;
        asked.push({ method: request.method!, url: request.url!, body: text ? JSON.parse(text) : undefined });
        const [status, body] = answers.get(key) ?? [500, { error: { code: 'HEARTH.INTERNAL', message: key } }];
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.HEARTH_CONSOLE_URL = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    process.env.HEARTH_TOKEN = 'test-token';
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
    for (const [name, value] of [
      ['HEARTH_CONSOLE_URL', saved.url],
      ['HEARTH_TOKEN', saved.token],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  beforeEach(() => {
    asked.length = 0;
  });

  async function hearth(...args: string[]): Promise<{ out: string; error: unknown }> {
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
    const program = new Command('hearth').exitOverride().configureOutput({ writeErr: () => undefined });
    registerTenancyCommands(program);
    registerDeployCommands(program);
    try {
      await program.parseAsync(['node', 'hearth', ...args]);
      return { out: out.join('\n'), error: undefined };
    } catch (error) {
      return { out: out.join('\n'), error };
    } finally {
      log.mockRestore();
    }
  }

  it('creates an org, a team in it and a workspace in that, the display name defaulting to the slug', async () => {
    expect((await hearth('org', 'create', 'acme', '--name', 'Acme Inc')).out).toBe(
      `SLUG  NAME      CREATED\nacme  Acme Inc  ${CREATED}`,
    );
    await hearth('team', 'create', 'platform', '--org', 'acme');
    const made = await hearth('workspace', 'create', 'web', '--team', 'platform', '--json');
    expect(JSON.parse(made.out)).toEqual(WORKSPACE);
    expect(asked).toEqual([
      { method: 'POST', url: '/v1/orgs', body: { slug: 'acme', display_name: 'Acme Inc' } },
      { method: 'POST', url: '/v1/teams', body: { slug: 'platform', display_name: 'platform', org: 'acme' } },
      { method: 'POST', url: '/v1/workspaces', body: { slug: 'web', display_name: 'web', team: 'platform' } },
    ]);
  });

  it('lists with the filters given, and gets one by slug', async () => {
    expect((await hearth('org', 'list')).out).toContain('acme  Acme Inc');
    expect((await hearth('team', 'list', '--org', 'acme')).out).toMatch(
      /^SLUG +NAME +ORG +CREATED\nplatform +platform +acme /,
    );
    expect((await hearth('workspace', 'list', '--team', 'platform', '--org', 'acme')).out).toMatch(
      /^SLUG +NAME +TEAM +ORG +CREATED\nweb +web +platform +acme /,
    );
    await hearth('org', 'get', 'acme');
    await hearth('team', 'get', 'platform');
    await hearth('workspace', 'get', 'web');
    expect(asked.map((a) => `${a.method} ${a.url}`)).toEqual([
      'GET /v1/orgs',
      'GET /v1/teams?org=acme',
      'GET /v1/workspaces?team=platform&org=acme',
      'GET /v1/orgs/acme',
      'GET /v1/teams/platform',
      'GET /v1/workspaces/web',
    ]);
  });

  it("refuses a malformed slug before asking (before even looking for a token), and passes the console's refusal on with its code", async () => {
    const token = process.env.HEARTH_TOKEN;
    delete process.env.HEARTH_TOKEN;
    try {
      for (const args of [
        ['org', 'get', 'A'],
        ['team', 'get', 'x_'],
        ['workspace', 'get', 'a/b'],
        ['deploy', 'restart', 'A'],
        ['deploy', 'create', 'web', '--tier', 'gold'],
      ]) {
        expect((await hearth(...args)).error).toMatchObject({
          code: expect.stringMatching(/^(CONSOLE\.INVALID_SLUG|HEARTH\.INVALID_REQUEST)$/),
        });
      }
    } finally {
      process.env.HEARTH_TOKEN = token;
    }
    expect((await hearth('workspace', 'create', 'Web!', '--team', 'platform')).error).toMatchObject({
      code: 'CONSOLE.INVALID_SLUG',
    });
    expect((await hearth('team', 'list', '--org', 'A')).error).toMatchObject({
      code: 'HEARTH.INVALID_REQUEST',
      message: expect.stringMatching(/^org: /),
    });
    expect((await hearth('org', 'get', 'nobody')).error).toMatchObject({ code: 'CONSOLE.TENANT_NOT_FOUND' });
    expect(asked.map((a) => a.url)).toEqual(['/v1/orgs/nobody']);
    // A team needs its org: a usage error, nothing sent.
    expect((await hearth('team', 'create', 'platform')).error).toMatchObject({
      exitCode: 1,
      code: 'commander.missingMandatoryOptionValue',
    });
  });

  it('sends a deployment file with the options added, and needs a tier from one or the other', async () => {
    const file = join(dir, 'deployment.yaml');
    writeFileSync(
      file,
      'slug: web\ntier: dev\nsidecars: [{name: postgres, image: "pg:15"}]\nworkloads: [{name: agent, image: "pg:15"}]\n',
    );
    await hearth(
      'deploy',
      'create',
      '-f',
      file,
      '--command',
      'agent=sleep infinity',
      '--env-ref',
      'agent=OPENAI_API_KEY',
    );
    expect(asked).toEqual([
      {
        method: 'POST',
        url: '/v1/deployments',
        body: {
          slug: 'web',
          tier: 'dev',
          driver: 'localdocker',
          sidecars: [{ name: 'postgres', image: 'pg:15' }],
          workloads: [{ name: 'agent', image: 'pg:15', command: ['sleep', 'infinity'], env_refs: ['OPENAI_API_KEY'] }],
        },
      },
    ]);
    expect((await hearth('deploy', 'create', 'web')).error).toMatchObject({
      message: expect.stringContaining('--tier'),
    });
    expect(asked).toHaveLength(1);
  });

  it('restarts every workload, or the one named', async () => {
    expect((await hearth('deploy', 'restart', 'web')).out).toMatch(/\nweb +provisioning +dev /);
    await hearth('deploy', 'restart', 'web', '--workload', 'agent');
    expect(asked).toEqual([
      { method: 'POST', url: '/v1/deployments/web/restart', body: {} },
      { method: 'POST', url: '/v1/deployments/web/restart', body: { workload: 'agent' } },
    ]);
  });
});
