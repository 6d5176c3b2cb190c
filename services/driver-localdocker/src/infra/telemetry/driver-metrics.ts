import { meter } from '@hearth/platform/telemetry';
import type { DriverMetrics } from '../../app/ports.js';

type Meter = ReturnType<typeof meter>;

/**
 * The driver's metrics: `driver.workspaces.held`, how many workspaces the last reconcile pass held
 * (unknown to the console: sidecars stopped, credential kept). Above zero, an operator looks at the
 * driver's `held` log lines: the console lost a projection, or was told to forget a deployment.
 */
export class OtelDriverMetrics implements DriverMetrics {
  private heldCount = 0;

  constructor(driver: Meter = meter('driver-localdocker')) {
    driver
      .createObservableGauge('driver.workspaces.held', {
        description: 'Workspaces unknown to the console whose sidecars the driver stopped and kept',
        unit: '{workspace}',
      })
      .addCallback((result) => result.observe(this.heldCount));
  }

  held(slugs: readonly string[]): void {
    this.heldCount = slugs.length;
  }
}
