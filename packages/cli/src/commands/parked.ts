import type { ParkedMessage } from '@hearth/contracts';
import { type Command, Option } from 'commander';
import { consoleConnection } from '../config.js';
import { ConsoleApi } from '../console-api.js';
import { driverParked } from '../driver-parked.js';
import { HatchApi, hatchConnection } from '../hatch-api.js';
import { print } from '../output.js';
import { formatTable } from '../table.js';

const SERVICES = ['console', 'driver-localdocker', 'hatch'] as const;
type Service = (typeof SERVICES)[number];

/** Where each service keeps what its consumers parked: the console's and hatch's tables over HTTP, the driver's stream over NATS. */
const LISTINGS: Record<Service, () => Promise<ParkedMessage[]>> = {
  console: async () => (await new ConsoleApi(consoleConnection()).listParked()).items,
  hatch: async () => (await new HatchApi(hatchConnection()).parked()).items,
  'driver-localdocker': () => driverParked(),
};

/** `hearth parked`: the messages a consumer refused or gave up on, and why, so that none stalls it unseen. */
export function registerParkedCommand(program: Command): void {
  program
    .command('parked')
    .description(
      'messages the services parked instead of applying (invalid, refused, or failing for good), newest first',
    )
    .addOption(new Option('--service <service>', 'only this service').choices(SERVICES))
    .option('--json', 'print the raw JSON answer')
    .action(async (o: { service?: Service; json?: boolean }) => {
      const services = o.service ? [o.service] : SERVICES;
      const listed = await Promise.all(
        services.map(async (service) => (await LISTINGS[service]()).map((item) => ({ service, ...item }))),
      );
      const items = listed.flat();
      print(o.json, { items }, () =>
        items.length === 0
          ? 'nothing parked'
          : formatTable(
              ['service', 'parked at', 'subject', 'message id', 'reason', 'detail'],
              items.map((p) => [p.service, p.parked_at, p.subject, p.message_id, p.reason, oneLine(p.detail)]),
            ),
      );
    });
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').slice(0, 160);
