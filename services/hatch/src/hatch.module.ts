import type { DynamicModule } from '@nestjs/common';
import { nestModuleOf } from '@hearth/platform/nest';
import type { Hatch } from './compose.js';
import { AuditReaderGuard } from './transport/http/audit-reader.guard.js';
import { AuditController } from './transport/http/audit.controller.js';
import { ParkedController } from './transport/http/parked.controller.js';
import { AuditEndpoints } from './transport/nats/audit.endpoints.js';

/** hatch's edges over the use cases composeHatch built: Nest only routes. */
export function hatchModule(hatch: Hatch): DynamicModule {
  return nestModuleOf([AuditController, ParkedController, AuditEndpoints], hatch.useCases, [AuditReaderGuard]);
}
