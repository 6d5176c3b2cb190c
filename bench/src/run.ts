/**
 * Every benchmark `pnpm bench <name>` can run. Each is imported only when asked for, so one whose
 * dependencies are broken or mid-change does not stop the others.
 */
const benchmarks: Record<string, () => Promise<void>> = {
  discovery: async () => (await import('./discovery.js')).runDiscovery(),
  'vault-read': async () => (await import('./vault-read.js')).runVaultRead(),
  'hatch-ingest': async () => (await import('./hatch-ingest.js')).runHatchIngest(),
  provision: async () => (await import('./provision.js')).runProvision(),
  lease: async () => (await import('./lease.js')).runLease(),
  'lease-outage': async () => (await import('./lease-outage.js')).runLeaseOutage(),
  scale: async () => (await import('./scale.js')).runScale(),
};

const name = process.argv[2];
const benchmark = name !== undefined && Object.hasOwn(benchmarks, name) ? benchmarks[name] : undefined;
if (!benchmark) {
  console.error(`usage: pnpm bench <name>\n  names: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
await benchmark();
