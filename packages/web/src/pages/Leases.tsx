import { useState } from 'react';
import type { LeaseInfo } from '@hearth/contracts/web';
import { api } from '../api/endpoints';
import { useCan } from '../session';
import { ConfirmButton, Empty, ErrorAlert, useAction, useLoad, when } from '../ui';

interface Leases {
  live: LeaseInfo[];
  irrevocable: LeaseInfo[];
}

const byEngineAndRole = (a: LeaseInfo, b: LeaseInfo): number =>
  a.engine.localeCompare(b.engine) || a.role.localeCompare(b.role) || a.expires_at.localeCompare(b.expires_at);

export function LeasesPage() {
  const can = useCan();
  const leases = useLoad<Leases>(async () => {
    const [live, irrevocable] = await Promise.all([api.leases('active'), api.leases('irrevocable')]);
    return { live: live.sort(byEngineAndRole), irrevocable };
  }, 'leases');
  const engines = useLoad(() => api.engines(), 'engines');
  const action = useAction();
  const [notice, setNotice] = useState('');

  const renew = (lease: LeaseInfo): void =>
    action.run(async () => {
      const renewed = await api.renewLease(lease.lease_id);
      setNotice(`Renewed ${lease.username} until ${when(renewed.expires_at)}.`);
      leases.reload();
    });
  const revoke = (lease: LeaseInfo): void =>
    action.run(async () => {
      await api.revokeLease(lease.lease_id);
      setNotice(`Revoked ${lease.username}.`);
      leases.reload();
    });

  const live = leases.data?.live ?? [];
  return (
    <>
      <h1>Leases</h1>
      <ErrorAlert error={leases.error} />
      <ErrorAlert error={action.error} />
      <p role="status" className="notice">
        {notice}
      </p>
      {engines.data && (
        <p className="hint">
          Engines:{' '}
          {engines.data.length === 0
            ? 'none — configure one with hearth db engine configure'
            : engines.data.map((e) => `${e.name} (${e.live_leases} live)`).join(', ')}
        </p>
      )}
      {leases.data && live.length === 0 && (
        <Empty>
          No live leases — a workload or <code>hearth db creds &lt;role&gt;</code> issues one.
        </Empty>
      )}
      {live.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Leases</caption>
            <thead>
              <tr>
                <th scope="col">Engine</th>
                <th scope="col">Role</th>
                <th scope="col">Username</th>
                <th scope="col">Workspace</th>
                <th scope="col">Issued by</th>
                <th scope="col">Expires</th>
                {can('lease.write') && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {live.map((lease) => (
                <tr key={lease.lease_id}>
                  <td>{lease.engine}</td>
                  <td>{lease.role}</td>
                  <th scope="row" className="mono">
                    {lease.username}
                  </th>
                  <td>{lease.workspace ?? '—'}</td>
                  <td>{lease.issued_by}</td>
                  <td>
                    <time dateTime={lease.expires_at}>{when(lease.expires_at)}</time>
                  </td>
                  {can('lease.write') && (
                    <td className="actions">
                      <button
                        type="button"
                        disabled={action.busy}
                        onClick={() => renew(lease)}
                        aria-label={`Renew ${lease.username}`}
                      >
                        Renew
                      </button>
                      <ConfirmButton
                        label="Revoke"
                        danger
                        disabled={action.busy}
                        question={`Revoke ${lease.username}? The database user is dropped now.`}
                        onConfirm={() => revoke(lease)}
                      />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section aria-labelledby="irrevocable-heading">
        <h2 id="irrevocable-heading">Irrevocable</h2>
        {leases.data && leases.data.irrevocable.length === 0 && <Empty>None: every revocation went through.</Empty>}
        {leases.data && leases.data.irrevocable.length > 0 && (
          <>
            <p className="hint">
              Revocation kept failing: check the database, then <code>hearth db revoke --force</code>.
            </p>
            <div className="table-wrap">
              <table aria-labelledby="irrevocable-heading">
                <thead>
                  <tr>
                    <th scope="col">Engine</th>
                    <th scope="col">Role</th>
                    <th scope="col">Username</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Last error</th>
                  </tr>
                </thead>
                <tbody>
                  {leases.data.irrevocable.map((lease) => (
                    <tr key={lease.lease_id}>
                      <td>{lease.engine}</td>
                      <td>{lease.role}</td>
                      <th scope="row" className="mono">
                        {lease.username}
                      </th>
                      <td>{lease.attempts}</td>
                      <td className="mono">{lease.last_error ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </>
  );
}
