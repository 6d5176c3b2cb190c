import { describe, expect, it } from '@jest/globals';
import { deploymentUpcaster } from './upcast.js';

const upcastDeploymentEvent = deploymentUpcaster('compose');

describe('a stored deployment event, read back', () => {
  const requested = {
    type: 'DeploymentRequestedV1',
    data: {
      slug: 'acme',
      tier: 'dev',
      driver: 'localdocker',
      sidecars: [{ name: 'postgres', image: 'postgres:16' }],
      requested_at: '2026-12-01T10:00:00.000Z',
      command_id: 'c1',
    },
  };

  it('comes back as the event the decider knows', () => {
    const placed = { ...requested, data: { ...requested.data, engine: 'east' } };
    expect(upcastDeploymentEvent(placed)).toEqual(placed);
    expect(upcastDeploymentEvent({ type: 'DeploymentReadyV1', data: { command_id: 'c1', endpoint: 'e' } })).toEqual({
      type: 'DeploymentReadyV1',
      data: { command_id: 'c1', endpoint: 'e' },
    });
  });

  it('lives on the console’s first engine when it was requested before there were several', () => {
    expect(upcastDeploymentEvent(requested)).toEqual({ ...requested, data: { ...requested.data, engine: 'compose' } });
    // The stored data is left as it was: the engine is added on reading, never written back.
    expect(requested.data).not.toHaveProperty('engine');
  });

  it('is refused when its type is unknown or its data is not that type’s', () => {
    expect(() => upcastDeploymentEvent({ type: 'DeploymentVanishedV1', data: { command_id: 'c1' } })).toThrow(
      /DeploymentVanishedV1/,
    );
    expect(() => upcastDeploymentEvent({ type: 'DeploymentReadyV1', data: { command_id: 'c1' } })).toThrow(
      /DeploymentReadyV1/,
    );
  });
});
