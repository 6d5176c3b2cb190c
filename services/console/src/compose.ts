import { OutboxRelay } from '@hearth/platform/outbox';
import { EventStore, FastPath, TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { type ServiceRuntime } from '@hearth/platform/runtime';
import { CreateDeployment } from './app/create-deployment/create-deployment.js';
import { DeploymentCommands } from './app/deployment-commands.js';
import { GetDeployment } from './app/get-deployment/get-deployment.js';
import { GetDeploymentHistory } from './app/get-deployment-history/get-deployment-history.js';
import { ListDeployments } from './app/list-deployments/list-deployments.js';
import { OperateDeployment } from './app/operate-deployment/operate-deployment.js';
import { OperatorAccess } from './app/operator-tokens/operator-tokens.js';
import { randomIds, systemClock } from '@hearth/platform/runtime';
import { RebuildProjection } from './app/rebuild-projection/rebuild-projection.js';
import { RecordDriverEvent } from './app/record-driver-event/record-driver-event.js';
import { DeploymentRefs } from './infra/postgres/deployment-refs.js';
import { OperatorTokens } from './infra/postgres/operator-tokens.js';
import { driverEventsConsumer } from './transport/driver/driver-events.consumer.js';

/** Every use case of the console, built once from the runtime's connections. */
export function composeConsole(
  runtime: Pick<ServiceRuntime, 'dataSource' | 'js' | 'jsm' | 'logger'>,
  clock = systemClock,
  ids = randomIds,
) {
  const { dataSource } = runtime;
  const uow = new TypeOrmUnitOfWork(dataSource);
  const store = new EventStore();
  const refs = new DeploymentRefs(dataSource);
  const commands = new DeploymentCommands(uow, store, refs, clock, ids);
  const recordDriverEvent = new RecordDriverEvent(commands);
  return {
    createDeployment: new CreateDeployment(commands, clock, ids),
    getDeployment: new GetDeployment(refs),
    getDeploymentHistory: new GetDeploymentHistory(store, uow),
    listDeployments: new ListDeployments(refs),
    operateDeployment: new OperateDeployment(commands, ids),
    recordDriverEvent,
    rebuildProjection: new RebuildProjection(uow, store, refs),
    access: new OperatorAccess(new OperatorTokens(dataSource), ids),
    relay: new OutboxRelay(new FastPath(dataSource), runtime.js, runtime.logger),
    driverEvents: driverEventsConsumer(dataSource, runtime.js, runtime.jsm, runtime.logger, recordDriverEvent),
  };
}
export type Console = ReturnType<typeof composeConsole>;
