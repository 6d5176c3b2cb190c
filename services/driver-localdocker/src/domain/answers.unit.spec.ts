import { describe, expect, it } from '@jest/globals';
import { DriverEvent, type DriverCommand } from '@hearth/contracts';
import { randomUUID } from 'node:crypto';
import { answerId, answerTo } from './answers.js';

const command: DriverCommand = {
  id: randomUUID(),
  type: 'DeprovisionSidecarsV1',
  stream: 'deployment-acme',
  version: 4,
  data: { slug: 'acme', driver: 'localdocker' },
  metadata: {
    actor: 'operator:admin',
    correlation_id: 'corr-1',
    causation_id: null,
    trace_id: null,
    occurred_at: new Date().toISOString(),
  },
};

describe('a command’s answers', () => {
  it('have ids derived from the command and the answer type: the same on every delivery, distinct by type', () => {
    expect(answerId(command.id, 'ProvisioningStartedV1')).toBe(answerId(command.id, 'ProvisioningStartedV1'));
    expect(answerId(command.id, 'ProvisioningStartedV1')).not.toBe(answerId(command.id, 'ProvisioningFailedV1'));
    expect(answerId(randomUUID(), 'ProvisioningStartedV1')).not.toBe(answerId(command.id, 'ProvisioningStartedV1'));
  });

  it.each([
    { type: 'ProvisioningStartedV1' as const, data: { slug: 'acme' } },
    {
      type: 'SidecarsProvisionedV1' as const,
      data: { slug: 'acme', endpoint: 'postgres://hearth-acme-postgres:5432/postgres' },
    },
    { type: 'ProvisioningFailedV1' as const, data: { slug: 'acme', reason: 'DRIVER.PRIVILEGED_REFUSED: no' } },
    { type: 'SidecarsDeprovisionedV1' as const, data: { slug: 'acme' } },
  ])('are valid $type envelopes caused by the command, in its correlation', (answer) => {
    const event = DriverEvent.parse(answerTo(command, answer, new Date(0), null));
    expect(event).toMatchObject({
      id: answerId(command.id, answer.type),
      type: answer.type,
      data: { ...answer.data, command_id: command.id },
      metadata: { actor: 'driver:localdocker', correlation_id: 'corr-1', causation_id: command.id },
    });
  });
});
