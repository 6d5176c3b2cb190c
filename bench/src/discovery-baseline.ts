/**
 * The hand-written minimal answer to a discovery request, run as its own process like the console:
 * a NATS queue subscriber that selects one row by slug with a named prepared statement and replies
 * with it as JSON. No framework, no validation, no tracing: what `discovery` measures Hearth against.
 */
import { pgEnv } from '@hearth/testkit';
import { connect, type Msg } from '@nats-io/transport-node';
import pg from 'pg';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const subject = required('BENCH_SUBJECT');
const pool = new pg.Pool({
  host: pgEnv.PGHOST,
  port: pgEnv.PGPORT,
  user: pgEnv.PGUSER,
  password: pgEnv.PGPASSWORD,
  database: required('BENCH_DATABASE'),
  max: 10, // the console's pool size
});
const nc = await connect({ servers: required('BENCH_NATS_URL'), noAsyncTraces: true });

async function reply(msg: Msg): Promise<void> {
  try {
    const { slug } = msg.json<{ slug: string }>();
    const { rows } = await pool.query({
      name: 'baseline_ref_by_slug',
      text: `SELECT workspace_slug, tier, driver, endpoint, secrets_vault_path, created, last_status
             FROM deployment_refs WHERE workspace_slug = $1`,
      values: [slug],
    });
    msg.respond(JSON.stringify(rows[0] ?? null));
  } catch (error) {
    msg.respond(JSON.stringify({ error: String(error) }));
  }
}

nc.subscribe(subject, { queue: 'baseline', callback: (_error, msg) => void reply(msg) });
await nc.flush();
console.log(JSON.stringify({ msg: 'baseline ready' }));

process.once('SIGTERM', () => {
  void nc
    .drain()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
