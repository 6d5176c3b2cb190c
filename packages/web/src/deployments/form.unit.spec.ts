import { describe, expect, it } from '@jest/globals';
import { ApiError } from '../api/client';
import {
  checkForm,
  emptyContainer,
  emptyForm,
  emptyWorkload,
  fieldErrorsOfApi,
  fieldOf,
  pickSidecar,
  type DeploymentForm,
} from './form';

const form = (patch: Partial<DeploymentForm>): DeploymentForm => ({ ...emptyForm(), workspace: 'acme', ...patch });

describe('the New deployment form', () => {
  it('maps rows to a DeploymentRequest the contracts accept', () => {
    const result = checkForm(
      form({
        tier: 'standard',
        sidecars: [
          { ...emptyContainer(), name: 'postgres', image: 'postgres:16', env: 'POSTGRES_DB=app\n', ports: '5432' },
        ],
        workloads: [
          {
            ...emptyWorkload(),
            name: 'agent',
            image: 'busybox',
            command: 'sleep  3600',
            envRefs: 'POSTGRES_PASSWORD, API_TOKEN',
            secretsAsEnv: true,
          },
        ],
      }),
    );
    expect(result).toEqual({
      ok: true,
      request: {
        slug: 'acme',
        tier: 'standard',
        driver: 'localdocker',
        sidecars: [
          { name: 'postgres', image: 'postgres:16', env: { POSTGRES_DB: 'app' }, ports: [{ container: 5432 }] },
        ],
        workloads: [
          {
            name: 'agent',
            image: 'busybox',
            command: ['sleep', '3600'],
            env_refs: ['POSTGRES_PASSWORD', 'API_TOKEN'],
            secrets_as_env: true,
          },
        ],
      },
    });
  });

  it('leaves out what is empty: no engine, no workloads, no env', () => {
    expect(checkForm(form({ sidecars: [] }))).toEqual({
      ok: true,
      request: { slug: 'acme', tier: 'dev', driver: 'localdocker', sidecars: [] },
    });
  });

  it('publishes host:container ports', () => {
    const result = checkForm(
      form({ sidecars: [{ ...emptyContainer(), name: 'web', image: 'nginx', ports: '8080:80' }] }),
    );
    expect(result.ok && result.request.sidecars[0]?.ports).toEqual([{ host: 8080, container: 80 }]);
  });

  it('refuses field by field with the codes the console uses', () => {
    const result = checkForm(
      form({
        workspace: 'Not A Slug',
        sidecars: [{ ...emptyContainer(), name: 'db', image: '', env: 'DB_PASSWORD=hunter2' }],
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.slug?.code).toBe('CONSOLE.INVALID_SLUG');
    expect(result.errors['sidecars.0.image']?.code).toBe('HEARTH.INVALID_REQUEST');
    expect(result.errors['sidecars.0.env']?.code).toBe('CONSOLE.SECRET_IN_SPEC');
    expect(JSON.stringify(result.errors)).not.toContain('hunter2');
  });

  it('refuses two containers of one name', () => {
    const row = { ...emptyContainer(), name: 'db', image: 'postgres:16' };
    const result = checkForm(form({ sidecars: [row, row] }));
    expect(result.ok === false && result.errors.sidecars?.message).toMatch(/unique/);
  });
});

describe("the console's refusals on the form's fields", () => {
  it("spreads a parseRequest message over its fields, with the answer's code", () => {
    const error = new ApiError(
      'CONSOLE.SECRET_IN_SPEC',
      'sidecars.1.env.API_TOKEN: looks like a credential; workloads.0.image: Too small',
      400,
    );
    expect(fieldErrorsOfApi(error)).toEqual({
      'sidecars.1.env': { code: 'CONSOLE.SECRET_IN_SPEC', message: 'looks like a credential' },
      'workloads.0.image': { code: 'CONSOLE.SECRET_IN_SPEC', message: 'Too small' },
    });
  });

  it('puts what concerns the workspace at Workspace, and anything else on the form', () => {
    expect(fieldErrorsOfApi(new ApiError('CONSOLE.WORKSPACE_NOT_FOUND', 'no workspace acme', 404))).toEqual({
      slug: { code: 'CONSOLE.WORKSPACE_NOT_FOUND', message: 'no workspace acme' },
    });
    expect(fieldErrorsOfApi(new ApiError('CONSOLE.ENGINE_FULL', 'every engine is full', 409))).toEqual({
      form: { code: 'CONSOLE.ENGINE_FULL', message: 'every engine is full' },
    });
  });

  it('names a row by its index', () => {
    expect(fieldOf(['sidecars', 2])).toBe('sidecars.2.name');
    expect(fieldOf([])).toBe('form');
  });
});

describe('pickSidecar', () => {
  it('names the row after the catalog entry and sets its base name', () => {
    expect(pickSidecar(emptyContainer(), 'postgres')).toEqual({
      ...emptyContainer(),
      name: 'postgres',
      image: 'postgres',
    });
  });
  it('keeps a tag or registry already typed for that base, and a name already given', () => {
    const row = { ...emptyContainer(), name: 'db', image: 'hearth-test/postgres:15' };
    expect(pickSidecar(row, 'postgres')).toEqual(row);
    expect(pickSidecar(row, 'mariadb').image).toBe('mariadb');
  });
  it('leaves the row alone for Other image', () => {
    const row = { ...emptyContainer(), image: 'busybox:1' };
    expect(pickSidecar(row, '')).toBe(row);
  });
});
