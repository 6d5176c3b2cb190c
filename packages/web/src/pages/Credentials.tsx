import { useId, useMemo, useState, type FormEvent } from 'react';
import {
  DEFAULT_ENVIRONMENT,
  GENERIC_TYPE,
  isSecretKind,
  type CredentialDetails,
  type CredentialTestResult,
  type CredentialTypeInfo,
  type Org,
  type Team,
  type Workspace,
} from '@hearth/contracts/web';
import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import { Link, navigate } from '../router';
import { sealValuesForVault } from '../seal';
import { useCan } from '../session';
import { ConfirmButton, Empty, ErrorAlert, useAction, useLoad, when } from '../ui';
import { Field } from './Deployments';

const credentialLink = (path: string): string => `/credentials/${path.split('/').map(encodeURIComponent).join('/')}`;

export function CredentialsPage({ path }: { path: string | null }) {
  return path === null ? <CredentialList /> : <CredentialDetail path={path} />;
}

interface Tree {
  orgs: Org[];
  teams: Team[];
  workspaces: Workspace[];
}

/** Scopes as the vault mounts them: a workspace's credentials under hearth/, a team's under team/, an org's under org/. */
function ScopeTree({ prefix, onPick }: { prefix: string; onPick: (prefix: string) => void }) {
  const tree = useLoad<Tree>(async () => {
    const [orgs, teams, workspaces] = await Promise.all([api.orgs(), api.teams(), api.workspaces()]);
    return { orgs: orgs.items, teams: teams.items, workspaces: workspaces.items };
  }, 'tree');
  const pick = (value: string, label: string) => (
    <button type="button" className="link" aria-pressed={prefix === value} onClick={() => onPick(value)}>
      {label}
    </button>
  );
  return (
    <section className="tree" aria-labelledby="scopes-heading">
      <h2 id="scopes-heading">Scopes</h2>
      <ErrorAlert error={tree.error} />
      <ul>
        <li>{pick('', 'Everything')}</li>
        {tree.data?.orgs.map((org) => (
          <li key={org.slug}>
            {pick(`org/${org.slug}/`, `org ${org.slug}`)}
            <ul>
              {tree.data?.teams
                .filter((t) => t.org === org.slug)
                .map((team) => (
                  <li key={team.slug}>
                    {pick(`team/${team.slug}/`, `team ${team.slug}`)}
                    <ul>
                      {tree.data?.workspaces
                        .filter((w) => w.team === team.slug)
                        .map((w) => (
                          <li key={w.slug}>{pick(`hearth/${w.slug}/`, `workspace ${w.slug}`)}</li>
                        ))}
                    </ul>
                  </li>
                ))}
            </ul>
          </li>
        ))}
      </ul>
      {tree.data && tree.data.orgs.length === 0 && (
        <Empty>
          No organisations yet — create one with <code>hearth org create</code>.
        </Empty>
      )}
    </section>
  );
}

function CredentialList() {
  const can = useCan();
  const [prefix, setPrefix] = useState('');
  const [writing, setWriting] = useState(false);
  // A scope is `hearth/<slug>/`: its own path (a workspace's generated credential is `hearth/<slug>`) and
  // what is below it. The vault's prefix is a plain string prefix, so `hearth/demo` would also list
  // `hearth/demo2`: ask for the path and keep only the scope's own.
  const list = useLoad(async () => {
    const own = prefix.replace(/\/$/, '');
    const items = await api.credentials(own);
    return prefix === '' ? items : items.filter((c) => c.path === own || c.path.startsWith(prefix));
  }, prefix);
  return (
    <>
      <div className="page-head">
        <h1>Credentials</h1>
        {can('credential.write') && !writing && (
          <button type="button" className="primary" onClick={() => setWriting(true)}>
            New credential
          </button>
        )}
      </div>
      {writing && (
        <CredentialForm
          mode={{ kind: 'new', prefix }}
          onDone={(path) => (path ? navigate(credentialLink(path)) : setWriting(false))}
        />
      )}
      <div className="split">
        {can('tenancy.read') && <ScopeTree prefix={prefix} onPick={setPrefix} />}
        <div>
          <ErrorAlert error={list.error} />
          {list.data && list.data.length === 0 && (
            <Empty>
              No credentials {prefix ? `under ${prefix}` : 'yet'} — write one with New credential or{' '}
              <code>hearth secret put</code>.
            </Empty>
          )}
          {list.data && list.data.length > 0 && (
            <div className="table-wrap">
              <table>
                <caption>Credentials</caption>
                <thead>
                  <tr>
                    <th scope="col">Path</th>
                    <th scope="col">Type</th>
                    <th scope="col">Environment</th>
                    <th scope="col">Provider</th>
                    <th scope="col">Version</th>
                    <th scope="col">Active</th>
                    <th scope="col">Last test</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.map((c) => (
                    <tr key={c.path}>
                      <th scope="row">
                        <Link to={credentialLink(c.path)}>{c.path}</Link>
                      </th>
                      <td>{c.type}</td>
                      <td>{c.environment}</td>
                      <td>{c.provider}</td>
                      <td>{c.current_version}</td>
                      <td>{c.active ? 'yes' : 'no'}</td>
                      <td>{c.test_status ?? 'never'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
    </>
  );
}

function CredentialDetail({ path }: { path: string }) {
  const can = useCan();
  const details = useLoad<CredentialDetails>(() => api.credential(path), path);
  const action = useAction();
  const [tested, setTested] = useState<CredentialTestResult | null>(null);
  const [notice, setNotice] = useState('');
  const [form, setForm] = useState<'write' | 'rotate' | null>(null);
  const c = details.data;
  const auto = c?.provider === 'AUTO_MANAGED';

  const test = (): void =>
    action.run(async () => {
      setTested(null);
      setTested(await api.testCredential(path));
      details.reload();
    });
  const rotateAuto = (): void =>
    action.run(async () => {
      const rotation = await api.rotateCredential(path);
      setNotice(`Rotation ${rotation.state}: version ${rotation.version}.`);
      details.reload();
    });

  return (
    <>
      <p className="crumbs">
        <Link to="/credentials">Credentials</Link> /
      </p>
      <h1 className="mono">{path}</h1>
      <ErrorAlert error={details.error} />
      {c && (
        <>
          <dl className="facts">
            <dt>Type</dt>
            <dd>{c.type}</dd>
            <dt>Environment</dt>
            <dd>{c.environment}</dd>
            <dt>Provider</dt>
            <dd>{auto ? 'AUTO_MANAGED — generated and kept by Hearth; no one sees its value' : c.provider}</dd>
            <dt>Current version</dt>
            <dd>{c.current_version}</dd>
            <dt>Active</dt>
            <dd>{c.active ? 'yes' : 'no'}</dd>
            {c.description && (
              <>
                <dt>Description</dt>
                <dd>{c.description}</dd>
              </>
            )}
            {Object.entries(c.fields).map(([name, value]) => (
              <FieldFact key={name} name={name} value={value} />
            ))}
            <dt>Values</dt>
            <dd>{c.value_names.join(', ') || '—'}</dd>
            <dt>Tags</dt>
            <dd>
              {Object.entries(c.tags)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ') || '—'}
            </dd>
            <dt>Expires</dt>
            <dd>{when(c.expires_at)}</dd>
            <dt>Rotation</dt>
            <dd>
              {c.rotation_days ? `every ${c.rotation_days} days, next ${when(c.next_rotation_at)}` : 'not scheduled'}
              {c.pending_version ? ` (version ${c.pending_version} pending)` : ''}
            </dd>
            <dt>Last test</dt>
            <dd>{c.test_status ? `${c.test_status} at ${when(c.last_tested)}: ${c.test_message ?? ''}` : 'never'}</dd>
            <dt>Updated</dt>
            <dd>{when(c.updated_at)}</dd>
          </dl>
          {can('credential.write') && (
            <div className="actions">
              <button type="button" disabled={action.busy} onClick={test}>
                Test
              </button>
              {auto ? (
                <ConfirmButton
                  label="Rotate"
                  question={`Rotate ${path}? Hearth makes a new value and applies it inside its sidecar.`}
                  disabled={action.busy}
                  onConfirm={rotateAuto}
                />
              ) : (
                <>
                  <button type="button" onClick={() => setForm('rotate')}>
                    Rotate
                  </button>
                  <button type="button" onClick={() => setForm('write')}>
                    Write new version
                  </button>
                </>
              )}
            </div>
          )}
          <p role="status" className="notice">
            {tested ? `${tested.status} — ${tested.message}` : notice}
          </p>
          <ErrorAlert error={action.error} />
          {form && !auto && (
            <CredentialForm
              mode={{ kind: form, details: c }}
              onDone={(written) => {
                setForm(null);
                if (written) {
                  setNotice(form === 'rotate' ? 'Rotated.' : 'New version written.');
                  details.reload();
                }
              }}
            />
          )}
          <section aria-labelledby="versions-heading">
            <h2 id="versions-heading">Versions</h2>
            <div className="table-wrap">
              <table aria-labelledby="versions-heading">
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Created</th>
                    <th scope="col">By</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {c.versions.map((v) => (
                    <tr key={v.version}>
                      <th scope="row">{v.version}</th>
                      <td>{when(v.created_at)}</td>
                      <td>{v.created_by}</td>
                      <td>
                        {v.destroyed
                          ? 'destroyed'
                          : v.deleted
                            ? 'deleted'
                            : v.version === c.current_version
                              ? 'current'
                              : 'kept'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section aria-labelledby="credential-history">
            <h2 id="credential-history">History</h2>
            {c.history.length === 0 ? (
              <Empty>No history yet.</Empty>
            ) : (
              <ol aria-labelledby="credential-history" className="timeline">
                {[...c.history].reverse().map((h, i) => (
                  <li key={i}>
                    <time dateTime={h.at}>{when(h.at)}</time> {h.type} by {h.by}
                    {h.version !== null && ` (version ${h.version})`}
                    {Object.keys(h.detail).length > 0 && (
                      <span className="mono">
                        {' '}
                        {Object.entries(h.detail)
                          .map(([k, v]) => `${k}: ${String(v)}`)
                          .join(', ')}
                      </span>
                    )}
                  </li>
                ))}
              </ol>
            )}
          </section>
        </>
      )}
    </>
  );
}

function FieldFact({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd className="mono">{value}</dd>
    </>
  );
}

type FormMode = { kind: 'new'; prefix: string } | { kind: 'write' | 'rotate'; details: CredentialDetails };

/**
 * Writes a credential (or a USER credential's new version, or rotates one): the type's fields, secret
 * ones as password inputs never prefilled, every value sealed here to the vault's seal key, so the
 * console forwards only ciphertext.
 */
function CredentialForm({ mode, onDone }: { mode: FormMode; onDone: (written: string | null) => void }) {
  const types = useLoad(() => api.credentialTypes(), 'types');
  const existing = mode.kind === 'new' ? null : mode.details;
  const [path, setPath] = useState(mode.kind === 'new' ? mode.prefix : mode.details.path);
  const [typeName, setTypeName] = useState(existing?.type ?? GENERIC_TYPE);
  const [environment, setEnvironment] = useState(existing?.environment ?? DEFAULT_ENVIRONMENT);
  const [description, setDescription] = useState(existing?.description ?? '');
  // Non-secret fields start from what the vault shows of them; secret ones start empty, always.
  const [values, setValues] = useState<Record<string, string>>({ ...(existing?.fields ?? {}) });
  const [generic, setGeneric] = useState<{ name: string; value: string }[]>(
    (existing?.type === GENERIC_TYPE ? existing.value_names : ['']).map((name) => ({ name, value: '' })),
  );
  const [fieldErrors, setFieldErrors] = useState<Record<string, { code: string; message: string }>>({});
  const { run, busy, error } = useAction();
  const headingId = useId();
  const type: CredentialTypeInfo | undefined = useMemo(
    () => types.data?.find((t) => t.name === typeName),
    [types.data, typeName],
  );

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setFieldErrors({});
    run(async () => {
      const all: Record<string, string> = {};
      if (typeName === GENERIC_TYPE) {
        for (const { name, value } of generic) if (name.trim()) all[name.trim()] = value;
      } else {
        for (const field of type?.fields ?? [])
          if ((values[field.name] ?? '') !== '') all[field.name] = values[field.name]!;
      }
      const { public_key } = await api.vaultSealKey();
      // Sealed with the path it is for ({path, values}): the vault opens it for this path only.
      const sealed = sealValuesForVault(public_key, path, all);
      try {
        if (mode.kind === 'rotate') {
          await api.rotateCredential(path, { sealed_values: sealed });
        } else {
          await api.writeCredential(path, {
            type: typeName,
            environment,
            ...(description ? { description } : {}),
            ...(existing ? { cas: existing.current_version } : {}),
            sealed_values: sealed,
          });
        }
      } catch (e) {
        if (e instanceof ApiError && e.fields.length > 0) {
          setFieldErrors(Object.fromEntries(e.fields.map((f) => [f.field, f])));
        }
        throw e;
      }
      onDone(path);
    });
  };

  const title =
    mode.kind === 'new' ? 'New credential' : mode.kind === 'rotate' ? `Rotate ${path}` : `New version of ${path}`;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <form onSubmit={submit} autoComplete="off">
        <ErrorAlert error={types.error} />
        <div className="grid">
          {mode.kind === 'new' && (
            <>
              <Field label="Path" hint="Like hearth/<workspace>/db, team/<team>/api or org/<org>/cloud.">
                {(props) => <input {...props} required value={path} onChange={(e) => setPath(e.target.value)} />}
              </Field>
              <Field label="Type">
                {(props) => (
                  <select {...props} value={typeName} onChange={(e) => setTypeName(e.target.value)}>
                    {/* The vault's type list holds the typed ones only: generic (named values) is offered here. */}
                    {!types.data?.some((t) => t.name === GENERIC_TYPE) && (
                      <option value={GENERIC_TYPE}>Generic (named values)</option>
                    )}
                    {types.data?.map((t) => (
                      <option key={t.name} value={t.name}>
                        {t.display_name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Environment">
                {(props) => <input {...props} value={environment} onChange={(e) => setEnvironment(e.target.value)} />}
              </Field>
            </>
          )}
          {mode.kind !== 'rotate' && (
            <Field label="Description">
              {(props) => <input {...props} value={description} onChange={(e) => setDescription(e.target.value)} />}
            </Field>
          )}
        </div>
        {typeName === GENERIC_TYPE ? (
          <>
            {generic.map((row, i) => (
              <fieldset key={i} className="row">
                <legend>Value {i + 1}</legend>
                <div className="grid">
                  <Field label="Value name" error={fieldErrors[row.name]}>
                    {(props) => (
                      <input
                        {...props}
                        value={row.name}
                        onChange={(e) =>
                          setGeneric(generic.map((g, j) => (j === i ? { ...g, name: e.target.value } : g)))
                        }
                      />
                    )}
                  </Field>
                  <Field label="Secret value">
                    {(props) => (
                      <input
                        {...props}
                        type="password"
                        autoComplete="new-password"
                        value={row.value}
                        onChange={(e) =>
                          setGeneric(generic.map((g, j) => (j === i ? { ...g, value: e.target.value } : g)))
                        }
                      />
                    )}
                  </Field>
                </div>
              </fieldset>
            ))}
            <button type="button" onClick={() => setGeneric([...generic, { name: '', value: '' }])}>
              Add value
            </button>
          </>
        ) : (
          <div className="grid">
            {type?.fields.map((f) => {
              const secret = isSecretKind(f.kind);
              const set = (value: string): void => setValues({ ...values, [f.name]: value });
              return (
                <Field key={f.name} label={f.display_name} error={fieldErrors[f.name]} hint={f.description}>
                  {(props) =>
                    f.kind === 'options' ? (
                      <select
                        {...props}
                        required={f.required}
                        value={values[f.name] ?? ''}
                        onChange={(e) => set(e.target.value)}
                      >
                        <option value="">—</option>
                        {f.options?.map((o) => (
                          <option key={o}>{o}</option>
                        ))}
                      </select>
                    ) : f.kind === 'boolean' ? (
                      <select {...props} value={values[f.name] ?? ''} onChange={(e) => set(e.target.value)}>
                        <option value="">—</option>
                        <option>true</option>
                        <option>false</option>
                      </select>
                    ) : (
                      <input
                        {...props}
                        type={secret ? 'password' : f.kind === 'number' ? 'number' : 'text'}
                        autoComplete={secret ? 'new-password' : 'off'}
                        required={f.required}
                        value={values[f.name] ?? ''}
                        onChange={(e) => set(e.target.value)}
                      />
                    )
                  }
                </Field>
              );
            })}
          </div>
        )}
        <p className="hint">Values are sealed in this browser to the vault's key: the console never sees them.</p>
        <ErrorAlert error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {mode.kind === 'rotate' ? 'Save rotation' : 'Save'}
          </button>
          <button type="button" onClick={() => onDone(null)}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
