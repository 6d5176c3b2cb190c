import { useId, useState, type FormEvent } from 'react';
import { BOOTSTRAP_ADMIN, OperatorRole, type TokenCreated } from '@hearth/contracts/web';
import { api } from '../api/endpoints';
import { useCan } from '../session';
import { ConfirmButton, Empty, ErrorAlert, useAction, useLoad, when } from '../ui';
import { Field } from './Deployments';

export function TokensPage() {
  const can = useCan();
  const tokens = useLoad(() => api.tokens(), 'tokens');
  const create = useAction();
  const revoke = useAction();
  const [name, setName] = useState('');
  const [role, setRole] = useState<OperatorRole>('operator');
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const newId = useId();

  if (!can('token.create')) {
    return (
      <>
        <h1>Tokens</h1>
        <Empty>Only an admin manages tokens.</Empty>
      </>
    );
  }

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    create.run(async () => {
      setCreated(await api.createToken(name.trim(), role));
      setName('');
      tokens.reload();
    });
  };

  return (
    <>
      <h1>Tokens</h1>
      <form onSubmit={submit} className="panel">
        <div className="grid">
          <Field label="Name" hint="1-63 of a-z 0-9 . _ -">
            {(props) => (
              <input {...props} required autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
          <Field label="Role">
            {(props) => (
              <select {...props} value={role} onChange={(e) => setRole(OperatorRole.parse(e.target.value))}>
                {OperatorRole.options.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <button type="submit" className="primary" disabled={create.busy}>
          Create token
        </button>
        <ErrorAlert error={create.error} />
      </form>
      {created && (
        <section role="region" aria-labelledby={newId} className="panel secret">
          <h2 id={newId}>New token</h2>
          <p>
            The token of <strong>{created.name}</strong> ({created.role}), shown this once: copy it now.
          </p>
          <p>
            <output className="mono token">{created.token}</output>
          </p>
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </section>
      )}
      <ErrorAlert error={tokens.error} />
      <ErrorAlert error={revoke.error} />
      {tokens.data && tokens.data.length === 0 && <Empty>No tokens yet — create one above.</Empty>}
      {tokens.data && tokens.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created by</th>
                <th scope="col">Created</th>
                {can('token.revoke') && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((t) => (
                <tr key={t.name}>
                  <th scope="row">{t.name}</th>
                  <td>{t.role}</td>
                  <td>{t.created_by}</td>
                  <td>{when(t.created_at)}</td>
                  {can('token.revoke') && (
                    <td>
                      {t.name === BOOTSTRAP_ADMIN ? (
                        <span className="hint">Set by HEARTH_BOOTSTRAP_ADMIN_TOKEN</span>
                      ) : (
                        <ConfirmButton
                          label="Revoke"
                          danger
                          disabled={revoke.busy}
                          question={`Revoke the token ${t.name}? Its sessions end at once.`}
                          onConfirm={() =>
                            revoke.run(async () => {
                              await api.revokeToken(t.name);
                              tokens.reload();
                            })
                          }
                        />
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
