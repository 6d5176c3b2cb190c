import { memo, useEffect, useState, type FormEvent } from 'react';
import { AuditOutcome, AuditRecord } from '@hearth/contracts/web';
import { queryOf } from '../api/client';
import { api } from '../api/endpoints';
import { openStream } from '../api/sse';
import { Empty, ErrorAlert, useAction, useLoad, when } from '../ui';
import { Field } from './Deployments';

interface Filters {
  actor: string;
  action: string;
  path: string;
  workspace: string;
  outcome: string;
  from: string;
  to: string;
}
const noFilters: Filters = { actor: '', action: '', path: '', workspace: '', outcome: '', from: '', to: '' };

/** The query of the filters as hatch names them; `From`/`To` are local times, sent as ISO instants. */
function queryFields(f: Filters): Record<string, string | undefined> {
  const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
  return {
    actor: f.actor.trim() || undefined,
    action: f.action.trim() || undefined,
    path_prefix: f.path.trim() || undefined,
    workspace: f.workspace.trim() || undefined,
    outcome: f.outcome || undefined,
    from: iso(f.from),
    to: iso(f.to),
  };
}

/** Live records kept on the page at most; older ones are a search away. */
const KEEP = 1000;

export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Record<string, string | undefined>>({});
  const [records, setRecords] = useState<AuditRecord[]>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  const [headSeq, setHeadSeq] = useState<number | null>(null);
  const [live, setLive] = useState(false);
  const [liveError, setLiveError] = useState<unknown>(null);
  const search = useAction();
  const verification = useLoad(() => api.auditVerification(), 'verification');

  const runSearch = (filters: Record<string, string | undefined>): void =>
    search.run(async () => {
      const page = await api.auditRecords(filters);
      setRecords(page.items);
      setCursor(page.next_cursor);
      setHeadSeq(page.head_seq);
      setApplied(filters);
    });

  useEffect(() => runSearch({}), []); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!live || headSeq === null) return;
    setLiveError(null);
    return openStream(`/v1/audit/tail${queryOf({ ...applied, since_seq: headSeq + 1 })}`, {
      events: {
        record: (data) => {
          const parsed = AuditRecord.safeParse(data);
          if (!parsed.success) return;
          setRecords((current) =>
            current.some((r) => r.seq === parsed.data.seq) ? current : [parsed.data, ...current].slice(0, KEEP),
          );
        },
      },
      onError: setLiveError,
    });
  }, [live, applied, headSeq]);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    runSearch(queryFields(draft));
  };
  const older = (): void =>
    search.run(async () => {
      if (cursor === null) return;
      const page = await api.auditRecords(applied, cursor);
      setRecords((current) => [...current, ...page.items]);
      setCursor(page.next_cursor);
    });

  const v = verification.data;
  const text = (key: keyof Filters, label: string, type = 'text') => (
    <Field label={label}>
      {(props) => (
        <input
          {...props}
          type={type}
          value={draft[key]}
          onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
        />
      )}
    </Field>
  );

  return (
    <>
      <div className="page-head">
        <h1>Audit</h1>
        <a href="/v1/audit/export" download="hearth-audit.jsonl" className="button">
          Export
        </a>
      </div>
      <p role="status" className={v && !v.ok ? 'notice bad' : 'notice'}>
        {v &&
          (v.ok
            ? `Chain verified through #${v.verified_through_seq} of #${v.head_seq}` +
              (v.last_checkpoint
                ? ` — last checkpoint #${v.last_checkpoint.seq} at ${when(v.last_checkpoint.at)}`
                : ' — no checkpoint yet')
            : `Chain problem: ${v.problem ?? 'unknown'} (verified through #${v.verified_through_seq})`)}
      </p>
      <ErrorAlert error={verification.error} />
      <form onSubmit={submit} className="panel filters">
        <div className="grid">
          {text('actor', 'Actor')}
          {text('action', 'Action')}
          {text('path', 'Path')}
          {text('workspace', 'Workspace')}
          <Field label="Outcome">
            {(props) => (
              <select
                {...props}
                value={draft.outcome}
                onChange={(e) => setDraft({ ...draft, outcome: e.target.value })}
              >
                <option value="">any</option>
                {AuditOutcome.options.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            )}
          </Field>
          {text('from', 'From', 'datetime-local')}
          {text('to', 'To', 'datetime-local')}
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={search.busy}>
            Search
          </button>
          <label className="check">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} />
            Live
          </label>
        </div>
      </form>
      <ErrorAlert error={search.error ?? liveError} />
      {!search.busy && records.length === 0 && headSeq !== null && (
        <Empty>No records match — widen the filters, or turn on Live to see new ones as they come.</Empty>
      )}
      {records.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Audit records</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Path</th>
                <th scope="col">Workspace</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <RecordRow key={r.seq} record={r} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor !== null && (
        <button type="button" onClick={older} disabled={search.busy}>
          Older records
        </button>
      )}
    </>
  );
}

const RecordRow = memo(function RecordRow({ record: r }: { record: AuditRecord }) {
  return (
    <tr>
      <th scope="row">{r.seq}</th>
      <td>
        <time dateTime={r.occurred_at}>{when(r.occurred_at)}</time>
      </td>
      <td>{r.actor}</td>
      <td>
        {r.source}.{r.action}
      </td>
      <td className="mono">{r.subject_path ?? '—'}</td>
      <td>{r.workspace_slug ?? '—'}</td>
      <td>{r.outcome ?? '—'}</td>
    </tr>
  );
});
