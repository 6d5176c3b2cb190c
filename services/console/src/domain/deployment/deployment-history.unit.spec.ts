import { describe, expect, it } from '@jest/globals';
import { DeploymentHistoryEntry } from '@hearth/contracts';
import { evolve, initialState, type DeploymentEvent, type DeploymentEventType } from './deployment.js';
import { historyEntryOf } from './deployment-history.js';

const reason = 'DRIVER.PRIVILEGED_REFUSED: sidecar postgres asks to run privileged';
const endpoint = 'postgres://hearth-acme-postgres:5432/postgres';

/** One event of each type; a type added to the union and not here fails to compile. */
const ONE_OF_EACH: { [T in DeploymentEventType]: Extract<DeploymentEvent, { type: T }> } = {
  DeploymentRequestedV1: {
    type: 'DeploymentRequestedV1',
    data: {
      slug: 'acme',
      tier: 'dev',
      driver: 'localdocker',
      engine: 'default',
      sidecars: [{ name: 'postgres', image: 'postgres:16', privileged: true }],
      requested_at: '2026-12-01T10:00:00.000Z',
      command_id: 'c1',
    },
  },
  DeploymentProvisioningStartedV1: { type: 'DeploymentProvisioningStartedV1', data: { command_id: 'c1' } },
  DeploymentFailedV1: { type: 'DeploymentFailedV1', data: { command_id: 'c1', reason } },
  DeploymentRetriedV1: { type: 'DeploymentRetriedV1', data: { command_id: 'c2' } },
  DeploymentReadyV1: { type: 'DeploymentReadyV1', data: { command_id: 'c2', endpoint } },
  DeploymentRestartRequestedV1: { type: 'DeploymentRestartRequestedV1', data: { command_id: 'c4', workload: 'agent' } },
  DeploymentDeprovisionRequestedV1: { type: 'DeploymentDeprovisionRequestedV1', data: { command_id: 'c3' } },
  DeploymentDeprovisionedV1: { type: 'DeploymentDeprovisionedV1', data: { command_id: 'c3' } },
};

/** A whole life, in an order the decider allows: requested, failed, retried, ready, restarted, ready, torn down. */
const LIFE: DeploymentEvent[] = [
  ONE_OF_EACH.DeploymentRequestedV1,
  ONE_OF_EACH.DeploymentProvisioningStartedV1,
  ONE_OF_EACH.DeploymentFailedV1,
  ONE_OF_EACH.DeploymentRetriedV1,
  ONE_OF_EACH.DeploymentReadyV1,
  ONE_OF_EACH.DeploymentRestartRequestedV1,
  { type: 'DeploymentReadyV1', data: { command_id: 'c4', endpoint } },
  ONE_OF_EACH.DeploymentDeprovisionRequestedV1,
  ONE_OF_EACH.DeploymentDeprovisionedV1,
];

const at = (version: number) => ({ version, occurredAt: `2026-12-01T10:00:0${version}.000Z` });

describe('a deployment’s history', () => {
  it('gives every event type one entry: its status, its command, and the endpoint or reason where it has one', () => {
    expect(new Set(LIFE.map((e) => e.type))).toEqual(new Set(Object.keys(ONE_OF_EACH)));
    const entries = LIFE.map((event, i) => historyEntryOf(event, at(i + 1)));
    expect(entries.map((e) => DeploymentHistoryEntry.parse(e))).toEqual([
      {
        version: 1,
        occurred_at: '2026-12-01T10:00:01.000Z',
        status: 'requested',
        command_id: 'c1',
        endpoint: null,
        reason: null,
      },
      {
        version: 2,
        occurred_at: '2026-12-01T10:00:02.000Z',
        status: 'provisioning',
        command_id: 'c1',
        endpoint: null,
        reason: null,
      },
      {
        version: 3,
        occurred_at: '2026-12-01T10:00:03.000Z',
        status: 'failed',
        command_id: 'c1',
        endpoint: null,
        reason,
      },
      {
        version: 4,
        occurred_at: '2026-12-01T10:00:04.000Z',
        status: 'provisioning',
        command_id: 'c2',
        endpoint: null,
        reason: null,
      },
      {
        version: 5,
        occurred_at: '2026-12-01T10:00:05.000Z',
        status: 'ready',
        command_id: 'c2',
        endpoint,
        reason: null,
      },
      {
        version: 6,
        occurred_at: '2026-12-01T10:00:06.000Z',
        status: 'provisioning',
        command_id: 'c4',
        endpoint: null,
        reason: null,
      },
      {
        version: 7,
        occurred_at: '2026-12-01T10:00:07.000Z',
        status: 'ready',
        command_id: 'c4',
        endpoint,
        reason: null,
      },
      {
        version: 8,
        occurred_at: '2026-12-01T10:00:08.000Z',
        status: 'deprovisioning',
        command_id: 'c3',
        endpoint: null,
        reason: null,
      },
      {
        version: 9,
        occurred_at: '2026-12-01T10:00:09.000Z',
        status: 'deprovisioned',
        command_id: 'c3',
        endpoint: null,
        reason: null,
      },
    ]);
  });

  it('names, for each event, the status evolve leaves the deployment in', () => {
    let state = initialState;
    LIFE.forEach((event, i) => {
      state = evolve(state, event);
      expect(historyEntryOf(event, at(i + 1)).status).toBe(state.status);
    });
  });
});
