import { describe, expect, it } from '@jest/globals';
import { createServer, get, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeChunks } from './streaming.js';

/** Iterated as an export is: one chunk per turn of `for await`. */
async function* asyncOf<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

describe('writeChunks', () => {
  it('keeps a bounded number of listeners on a response however often it waits for a drain', async () => {
    const chunk = 'x'.repeat(64 * 1024); // above the response's high-water mark: every write waits for a drain
    const chunks = 400;
    let most = 0;
    function* lines(response: ServerResponse) {
      for (let i = 0; i < chunks; i++) {
        most = Math.max(most, response.listenerCount('close'), response.listenerCount('drain'));
        yield chunk;
      }
    }
    const server = createServer((_request, response) => void writeChunks(response, asyncOf(lines(response))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const received = await new Promise<number>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/' }, (response) => {
          let bytes = 0;
          response.on('data', (data: Buffer) => (bytes += data.length));
          response.on('end', () => resolve(bytes));
          response.on('error', reject);
        }).on('error', reject);
      });
      expect(received).toBe(chunks * chunk.length);
      // Before the fix: one 'close' listener more per wait, about `chunks` of them by the end.
      expect(most).toBeLessThan(5);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
