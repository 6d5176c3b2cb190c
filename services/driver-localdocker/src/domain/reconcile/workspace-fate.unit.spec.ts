import { describe, expect, it } from '@jest/globals';
import { workspaceFate, type ConsoleAnswer, type WorkspaceFate } from './workspace-fate.js';

describe('what the reconcile does with a workspace, by what the console answered', () => {
  const cases: Array<[ConsoleAnswer, WorkspaceFate]> = [
    ['deprovisioned', 'destroy'],
    ['failed', 'destroy'],
    [null, 'hold'],
    ['elsewhere', 'hold'],
    ['unanswered', 'leave'],
    ['ready', 'restart'],
    ['requested', 'leave'],
    ['provisioning', 'leave'],
    ['deprovisioning', 'leave'],
  ];
  it.each(cases)('given the answer %p, then %p', (answer, fate) => {
    expect(workspaceFate(answer)).toBe(fate);
  });

  it('destroys only on positive evidence: neither an unknown workspace nor a failed question destroys', () => {
    expect(workspaceFate(null)).not.toBe('destroy');
    expect(workspaceFate('unanswered')).not.toBe('destroy');
    expect(workspaceFate('elsewhere')).not.toBe('destroy');
  });
});
