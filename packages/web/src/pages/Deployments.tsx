import { memo, useEffect, useId, useReducer, useState, type FormEvent, type ReactNode } from 'react';
import { SIDECAR_CATALOG, sidecarCatalogEntryOf, Tier, type DeploymentRef } from '@hearth/contracts/web';
import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import { openStream } from '../api/sse';
import { deploymentsReducer, emptyDeployments } from '../deployments/store';
import {
  pickSidecar,
  checkForm,
  emptyContainer,
  emptyForm,
  emptyWorkload,
  fieldErrorsOfApi,
  type ContainerRow,
  type DeploymentForm,
  type FieldErrors,
  type WorkloadRow,
} from '../deployments/form';
import { Link, navigate } from '../router';
import { useCan } from '../session';
import { Empty, ErrorAlert, useAction, when } from '../ui';

/** Every deployment, by slug: all pages of GET /v1/deployments (500 a page), then the live stream. */
async function loadAll(signal: AbortSignal): Promise<DeploymentRef[]> {
  const items: DeploymentRef[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.deployments(cursor);
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && !signal.aborted);
  return items;
}

export function DeploymentsPage() {
  const can = useCan();
  const [state, dispatch] = useReducer(deploymentsReducer, emptyDeployments);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    let opened = 0;
    const load = (): void => {
      dispatch({ type: 'loading' });
      loadAll(controller.signal).then(
        (items) => {
          if (controller.signal.aborted) return;
          dispatch({ type: 'loaded', items });
          setLoaded(true);
          setError(null);
        },
        (e: unknown) => {
          if (!controller.signal.aborted) setError(e);
        },
      );
    };
    load();
    const close = openStream('/v1/deployments/events', {
      events: {
        deployment: (data) => dispatch({ type: 'deployment', data }),
        deleted: (data) => dispatch({ type: 'deleted', data }),
      },
      // A reconnect may have missed changes: read the list again.
      onOpen: () => {
        if (opened++ > 0) load();
      },
      onError: setError,
    });
    return () => {
      controller.abort();
      close();
    };
  }, []);

  return (
    <>
      <div className="page-head">
        <h1>Deployments</h1>
        {can('deployment.write') && !creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New deployment
          </button>
        )}
      </div>
      {creating && <CreateDeployment onCancel={() => setCreating(false)} />}
      <ErrorAlert error={error} />
      {!loaded && !error && <p className="loading">Loading deployments…</p>}
      {loaded && state.order.length === 0 && (
        <Empty>
          No deployments yet — create one with New deployment or <code>hearth deploy create</code>.
        </Empty>
      )}
      {state.order.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Deployments</caption>
            <thead>
              <tr>
                <th scope="col">Workspace</th>
                <th scope="col">Status</th>
                <th scope="col">Tier</th>
                <th scope="col">Engine</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {state.order.map((slug) => (
                <DeploymentRow key={slug} deployment={state.bySlug.get(slug)!} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** One row; memoised on its ref, which the reducer replaces only when that deployment changed. */
const DeploymentRow = memo(function DeploymentRow({ deployment: d }: { deployment: DeploymentRef }) {
  return (
    <tr>
      <th scope="row">
        <Link to={`/deployments/${encodeURIComponent(d.workspace_slug)}`}>{d.workspace_slug}</Link>
      </th>
      <td>
        <span className={`status status-${d.last_status}`}>{d.last_status}</span>
      </td>
      <td>{d.tier}</td>
      <td>{d.engine}</td>
      <td className="mono">{d.endpoint || '—'}</td>
      <td>{when(d.created)}</td>
    </tr>
  );
});

function CreateDeployment({ onCancel }: { onCancel: () => void }) {
  const [form, setForm] = useState<DeploymentForm>(emptyForm);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { run, busy } = useAction();
  const headingId = useId();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const checked = checkForm(form);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    run(async () => {
      try {
        const ref = await api.createDeployment(checked.request);
        navigate(`/deployments/${encodeURIComponent(ref.workspace_slug)}`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        setErrors(fieldErrorsOfApi(error));
      }
    });
  };

  const setSidecar = (i: number, row: ContainerRow): void =>
    setForm((f) => ({ ...f, sidecars: f.sidecars.map((s, j) => (j === i ? row : s)) }));
  const setWorkload = (i: number, row: WorkloadRow): void =>
    setForm((f) => ({ ...f, workloads: f.workloads.map((w, j) => (j === i ? row : w)) }));

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>New deployment</h2>
      <form onSubmit={submit} noValidate>
        <div className="grid">
          <Field
            label="Workspace"
            error={errors.slug}
            hint="The workspace's slug, from the tenancy tree (hearth workspace create)."
          >
            {(props) => (
              <input
                {...props}
                required
                autoComplete="off"
                value={form.workspace}
                onChange={(e) => setForm({ ...form, workspace: e.target.value })}
              />
            )}
          </Field>
          <Field label="Tier" error={errors.tier}>
            {(props) => (
              <select
                {...props}
                value={form.tier}
                onChange={(e) => setForm({ ...form, tier: Tier.parse(e.target.value) })}
              >
                {Tier.options.map((tier) => (
                  <option key={tier}>{tier}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Engine" error={errors.engine} hint="Optional: the console picks the engine with room.">
            {(props) => (
              <input
                {...props}
                autoComplete="off"
                value={form.engine}
                onChange={(e) => setForm({ ...form, engine: e.target.value })}
              />
            )}
          </Field>
        </div>

        <h3>Sidecars</h3>
        <FieldError error={errors.sidecars} />
        {form.sidecars.length === 0 && (
          <p className="hint">No sidecars: add a database or queue the workspace needs.</p>
        )}
        {form.sidecars.map((row, i) => (
          <fieldset key={i} className="row">
            <legend>Sidecar {i + 1}</legend>
            <div className="grid">
              <Field
                label="Sidecar"
                hint="A catalog image gets a credential the vault keeps and no one sees; type its tag or registry in Image."
              >
                {(props) => (
                  <select
                    {...props}
                    value={sidecarCatalogEntryOf(row.image)?.image ?? ''}
                    onChange={(e) => setSidecar(i, pickSidecar(row, e.target.value))}
                  >
                    <option value="">Other image</option>
                    {SIDECAR_CATALOG.map((c) => (
                      <option key={c.image} value={c.image}>
                        {c.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <ContainerFields row={row} prefix={`sidecars.${i}`} errors={errors} onChange={(r) => setSidecar(i, r)} />
            </div>
            <button
              type="button"
              onClick={() => setForm((f) => ({ ...f, sidecars: f.sidecars.filter((_, j) => j !== i) }))}
            >
              Remove sidecar {i + 1}
            </button>
          </fieldset>
        ))}
        <button type="button" onClick={() => setForm((f) => ({ ...f, sidecars: [...f.sidecars, emptyContainer()] }))}>
          Add sidecar
        </button>

        <h3>Workloads</h3>
        {form.workloads.length === 0 && <p className="hint">No workloads: add the agent or job this workspace runs.</p>}
        {form.workloads.map((row, i) => (
          <fieldset key={i} className="row">
            <legend>Workload {i + 1}</legend>
            <div className="grid">
              <ContainerFields
                row={row}
                prefix={`workloads.${i}`}
                errors={errors}
                onChange={(r) => setWorkload(i, { ...row, ...r })}
              />
              <Field
                label="Command"
                error={errors[`workloads.${i}.command`]}
                hint="Arguments separated by spaces; empty: the image's own."
              >
                {(props) => (
                  <input
                    {...props}
                    value={row.command}
                    onChange={(e) => setWorkload(i, { ...row, command: e.target.value })}
                  />
                )}
              </Field>
              <Field
                label="Credentials"
                error={errors[`workloads.${i}.env_refs`]}
                hint="Names resolved from the vault, comma separated."
              >
                {(props) => (
                  <input
                    {...props}
                    value={row.envRefs}
                    onChange={(e) => setWorkload(i, { ...row, envRefs: e.target.value })}
                  />
                )}
              </Field>
              <label className="check">
                <input
                  type="checkbox"
                  checked={row.secretsAsEnv}
                  onChange={(e) => setWorkload(i, { ...row, secretsAsEnv: e.target.checked })}
                />
                Also as environment variables
              </label>
            </div>
            <button
              type="button"
              onClick={() => setForm((f) => ({ ...f, workloads: f.workloads.filter((_, j) => j !== i) }))}
            >
              Remove workload {i + 1}
            </button>
          </fieldset>
        ))}
        <button type="button" onClick={() => setForm((f) => ({ ...f, workloads: [...f.workloads, emptyWorkload()] }))}>
          Add workload
        </button>

        {errors.form && (
          <p role="alert" className="error">
            {errors.form.code} — {errors.form.message}
          </p>
        )}
        {Object.keys(errors).length > 0 && !errors.form && (
          <p role="alert" className="error">
            {Object.values(errors)[0]!.code} — the request was refused: see the fields marked below each.
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Create
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

function ContainerFields({
  row,
  prefix,
  errors,
  onChange,
}: {
  row: ContainerRow;
  prefix: string;
  errors: FieldErrors;
  onChange: (row: ContainerRow) => void;
}) {
  return (
    <>
      <Field label="Name" error={errors[`${prefix}.name`]}>
        {(props) => (
          <input
            {...props}
            autoComplete="off"
            value={row.name}
            onChange={(e) => onChange({ ...row, name: e.target.value })}
          />
        )}
      </Field>
      <Field label="Image" error={errors[`${prefix}.image`]}>
        {(props) => (
          <input
            {...props}
            autoComplete="off"
            placeholder="postgres:16, hearth-test/postgres:15, …"
            value={row.image}
            onChange={(e) => onChange({ ...row, image: e.target.value })}
          />
        )}
      </Field>
      <Field
        label="Environment"
        error={errors[`${prefix}.env`]}
        hint="NAME=value, one a line; no credentials (the vault keeps those)."
      >
        {(props) => (
          <textarea {...props} rows={2} value={row.env} onChange={(e) => onChange({ ...row, env: e.target.value })} />
        )}
      </Field>
      <Field
        label="Ports"
        error={errors[`${prefix}.ports`]}
        hint="Container ports, comma separated; host:container publishes one."
      >
        {(props) => (
          <input
            {...props}
            autoComplete="off"
            value={row.ports}
            onChange={(e) => onChange({ ...row, ports: e.target.value })}
          />
        )}
      </Field>
    </>
  );
}

interface ControlProps {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/** A labelled control with its hint and its error (`CODE — message`) tied to it. */
export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: { code: string; message: string } | undefined;
  hint?: string;
  children: (props: ControlProps) => ReactNode;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        ...(error ? { 'aria-invalid': true } : {}),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error.code} — {error.message}
        </small>
      )}
    </div>
  );
}

function FieldError({ error }: { error?: { code: string; message: string } | undefined }) {
  return error ? (
    <p className="field-error">
      {error.code} — {error.message}
    </p>
  ) : null;
}
