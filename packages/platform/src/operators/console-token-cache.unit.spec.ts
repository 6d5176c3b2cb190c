import { ErrorCode, type AuthenticatedOperator } from '@hearth/contracts';
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { ConsoleTokenCache, type OperatorDirectory } from './console-token-cache.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const auditor: AuthenticatedOperator = { name: 'ada', role: 'auditor' };

/** A directory that knows one token and counts how often it is asked. */
function directory(known: string) {
  const asked: string[] = [];
  const dir: OperatorDirectory = {
    authenticate: (hash) => {
      asked.push(hash);
      return Promise.resolve(hash === sha256(known) ? auditor : null);
    },
  };
  return { dir, asked };
}

describe('ConsoleTokenCache', () => {
  it('knows the holder of a bearer token, asking the directory by its SHA-256 only', async () => {
    const { dir, asked } = directory('t0ken');
    await expect(new ConsoleTokenCache(dir, 30_000).holder('Bearer t0ken')).resolves.toEqual(auditor);
    expect(asked).toEqual([sha256('t0ken')]);
  });

  it.each([undefined, '', 't0ken', 'Basic t0ken', 'Bearer ', 'Bearer wrong'])(
    'refuses %p as AUTH.UNAUTHENTICATED',
    async (authorization) => {
      const { dir } = directory('t0ken');
      await expect(new ConsoleTokenCache(dir, 30_000).holder(authorization)).rejects.toMatchObject({
        code: ErrorCode.Unauthenticated,
      });
    },
  );

  it('knows the holder by the SHA-256 alone, and refuses anything but 64 hex digits unasked', async () => {
    const { dir, asked } = directory('t0ken');
    const tokens = new ConsoleTokenCache(dir, 30_000);
    await expect(tokens.holderOfHash(sha256('t0ken'))).resolves.toEqual(auditor);
    for (const bad of [undefined, '', 't0ken', sha256('t0ken').toUpperCase(), `${sha256('t0ken')}0`]) {
      await expect(tokens.holderOfHash(bad)).rejects.toMatchObject({ code: ErrorCode.Unauthenticated });
    }
    expect(asked).toEqual([sha256('t0ken')]);
  });

  it("trusts the directory's answer for cacheMs, an unknown token's for at most 5 s", async () => {
    let now = 0;
    const { dir, asked } = directory('t0ken');
    const tokens = new ConsoleTokenCache(dir, 60_000, () => now);
    await tokens.holder('Bearer t0ken');
    await tokens.holder('Bearer t0ken');
    await expect(tokens.holder('Bearer wrong')).rejects.toThrow();
    await expect(tokens.holder('Bearer wrong')).rejects.toThrow();
    expect(asked).toHaveLength(2);

    now = 5_001;
    await expect(tokens.holder('Bearer wrong')).rejects.toThrow();
    await tokens.holder('Bearer t0ken');
    expect(asked).toHaveLength(3);

    now = 60_001;
    await tokens.holder('Bearer t0ken');
    expect(asked).toHaveLength(4);
  });
});
