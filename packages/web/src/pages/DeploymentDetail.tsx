import { useEffect, useState } from 'react';
import { DeploymentRef, type DeploymentHistory } from '@hearth/contracts/web';
import { api } from '../api/endpoints';
import { openStream } from '../api/sse';
import { Link } from '../router';
import { useCan } from '../session';
import { ConfirmButton, Empty, ErrorAlert, useAction, useLoad, when } from '../ui';

/** One GET of the ref and one of its history; the live stream keeps the status current. */
export function DeploymentDetail({ slug }: { slug: string }) {
  const can = useCan();
  const ref = useLoad(() => api.deployment(slug), slug);
  const history = useLoad<DeploymentHistory>(() => api.deploymentHistory(slug), slug);
  const action = useAction();
  const [notice, setNotice] = useState('');
  const [streamError, setStreamError] = useState<unknown>(null);
  const { set: setRef } = ref;
  const { reload: reloadHistory } = history;

  useEffect(
    () =>
      openStream('/v1/deployments/events', {
        events: {
          deployment: (data) => {
            const parsed = DeploymentRef.safeParse(data);
            if (parsed.success && parsed.data.workspace_slug === slug) {
              setRef(parsed.data);
              reloadHistory();
            }
          },
        },
        onError: setStreamError,
      }),
    [slug, setRef, reloadHistory],
  );

  const d = ref.data;
  const entries = history.data?.entries ?? [];
  const failure = [...entries].reverse().find((e) => e.status === 'failed' && e.reason)?.reason;
  const endpoints = [...new Set([d?.endpoint, ...entries.map((e) => e.endpoint)].filter((e): e is string => !!e))];

  const act = (verb: 'restart' | 'deprovision'): void =>
    action.run(async () => {
      const next = verb === 'restart' ? await api.restartDeployment(slug) : await api.deprovisionDeployment(slug);
      setRef(next);
      setNotice(verb === 'restart' ? 'Restart requested.' : 'Deprovision requested.');
      reloadHistory();
    });

  return (
    <>
      <p className="crumbs">
        <Link to="/deployments">Deployments</Link> /
      </p>
      <h1>{slug}</h1>
      <ErrorAlert error={ref.error} />
      <ErrorAlert error={streamError} />
      {d && (
        <>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <span className={`status status-${d.last_status}`}>{d.last_status}</span>
            </dd>
            <dt>Tier</dt>
            <dd>{d.tier}</dd>
            <dt>Driver</dt>
            <dd>{d.driver}</dd>
            <dt>Engine</dt>
            <dd>{d.engine}</dd>
            <dt>Endpoints</dt>
            <dd>
              {endpoints.length === 0 ? (
                'none yet — the endpoint appears once the deployment is ready'
              ) : (
                <ul className="plain">
                  {endpoints.map((e) => (
                    <li key={e} className="mono">
                      {e}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            <dt>Vault pointer</dt>
            <dd className="mono">{d.secrets_vault_path}</dd>
            <dt>Created</dt>
            <dd>{when(d.created)}</dd>
          </dl>
          {failure && d.last_status === 'failed' && (
            <section className="failure" aria-label="Failure reason">
              <h2>Failure reason</h2>
              <p className="mono">{failure}</p>
            </section>
          )}
          {can('deployment.write') && (
            <div className="actions">
              <ConfirmButton
                label="Restart"
                question={`Restart the workloads of ${slug}? Each resolves its credentials anew.`}
                disabled={action.busy}
                onConfirm={() => act('restart')}
              />
              <ConfirmButton
                label="Deprovision"
                danger
                question={`Deprovision ${slug}? Its containers and network are removed.`}
                disabled={action.busy}
                onConfirm={() => act('deprovision')}
              />
            </div>
          )}
          <ErrorAlert error={action.error} />
          <p role="status" className="notice">
            {notice}
          </p>
        </>
      )}
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <ErrorAlert error={history.error} />
        {history.data && entries.length === 0 && (
          <Empty>No history yet — it starts when the driver takes the request.</Empty>
        )}
        {entries.length > 0 && (
          <ol aria-labelledby="history-heading" className="timeline">
            {entries.map((e) => (
              <li key={e.version}>
                <time dateTime={e.occurred_at}>{when(e.occurred_at)}</time>{' '}
                <span className={`status status-${e.status}`}>{e.status}</span>
                {e.endpoint && <span className="mono"> {e.endpoint}</span>}
                {e.reason && <span className="mono reason"> {e.reason}</span>}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
