import type { DriverCommand } from '@hearth/contracts';
import type { DeprovisionSidecars } from './deprovision-sidecars/deprovision-sidecars.js';
import type { ProvisionSidecars } from './provision-sidecars/provision-sidecars.js';
import type { Reconcile, ReconcileReport } from './reconcile/reconcile.js';
import type { RestartWorkloads } from './restart-workloads/restart-workloads.js';
import type { Serial } from './workspace-resources.js';

/** Runs commands and reconcile passes one at a time, so that a pass never tears down what a command builds. */
export class DriverCommands {
  constructor(
    private readonly provision: Pick<ProvisionSidecars, 'run'>,
    private readonly restart: Pick<RestartWorkloads, 'run'>,
    private readonly deprovision: Pick<DeprovisionSidecars, 'run'>,
    private readonly reconcile: Pick<Reconcile, 'run'>,
    private readonly serial: Serial,
  ) {}

  handle(command: DriverCommand, traceId: string | null = null): Promise<void> {
    return this.serial.run(() => {
      switch (command.type) {
        case 'ProvisionSidecarsV1':
          return this.provision.run(command, traceId);
        case 'RestartWorkloadsV1':
          return this.restart.run(command, traceId);
        case 'DeprovisionSidecarsV1':
          return this.deprovision.run(command, traceId);
        default: {
          const unknown: never = command;
          return unknown;
        }
      }
    });
  }

  reconcileNow(): Promise<ReconcileReport> {
    return this.serial.run(() => this.reconcile.run());
  }
}
