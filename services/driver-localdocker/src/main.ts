import { cryptoReady, Streams } from '@hearth/contracts';
import { createLogger, SecretScrubber } from '@hearth/platform/logging';
import { connectNats, ensureStream } from '@hearth/platform/nats';
import { startTelemetry } from '@hearth/platform/telemetry';
import { jetstreamManager } from '@nats-io/jetstream';
import Docker from 'dockerode';
import { commandsConsumer, composeDriver, realPorts } from './compose.js';
import { loadDriverConfig, loadVaultIdentity } from './config.js';

const config = loadDriverConfig();
const identity = loadVaultIdentity(config);
const telemetry = startTelemetry('driver-localdocker');
const scrubber = new SecretScrubber();
const logger = createLogger({ service: 'driver-localdocker', level: config.LOG_LEVEL, scrubber });

// Docker's own settings (DOCKER_HOST, or the local socket) say where the engine is.
const docker = new Docker();
try {
  await docker.ping();
} catch {
  logger.fatal('the Docker engine does not answer (DOCKER_HOST or /var/run/docker.sock)');
  logger.flush();
  process.exit(1);
}
await cryptoReady();
const nc = await connectNats(config.NATS_URL, 'hearth-driver-localdocker');
const jsm = await jetstreamManager(nc);
await ensureStream(jsm, { ...Streams.driverCommands, subjects: [...Streams.driverCommands.subjects] });
await ensureStream(jsm, { ...Streams.driverEvents, subjects: [...Streams.driverEvents.subjects] });
const js = jsm.jetstream();

const driver = composeDriver(realPorts({ nc, js, docker, identity, scrubber, logger }), {
  instance: config.DRIVER_INSTANCE,
  readiness: { timeoutMs: config.DRIVER_READY_TIMEOUT_SECONDS * 1000, pollMs: 100, settleMs: 1_000 },
});

const reconcile = async () => {
  try {
    const report = await driver.commands.reconcileNow();
    const changed = report.removed.length + report.restarted.length > 0;
    logger[changed ? 'info' : 'debug'](report, 'reconciled');
  } catch (error) {
    logger.warn({ err: error }, 'reconcile pass failed');
  }
};
await reconcile();
const consumer = commandsConsumer(js, jsm, logger, driver, config.DRIVER_ACK_WAIT_SECONDS * 1000);
await consumer.start();
const timer =
  config.DRIVER_RECONCILE_SECONDS > 0
    ? setInterval(() => void reconcile(), config.DRIVER_RECONCILE_SECONDS * 1000)
    : null;

logger.info(
  { nats: config.NATS_URL, instance: config.DRIVER_INSTANCE, vault_actor: identity.actor },
  'driver-localdocker ready',
);

let stopping: Promise<void> | null = null;
const shutdown = () =>
  (stopping ??= (async () => {
    if (timer) clearInterval(timer);
    await consumer.stop();
    await nc.drain();
    await telemetry.shutdown();
    logger.flush();
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void shutdown().then(() => process.exit(0)));
}
