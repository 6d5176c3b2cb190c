import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

/** An AbortSignal that fires when the client goes away (or the response ends). */
export function closedSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => controller.abort());
  return controller.signal;
}

/**
 * Writes `chunks` with backpressure: a slow reader slows the producer instead of filling memory.
 * A failure half-way destroys the response, so the client sees a broken transfer, never a clean
 * end it could mistake for the whole of it.
 */
export async function writeChunks(response: ServerResponse, chunks: AsyncIterable<string>): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (response.destroyed) return;
      if (!response.write(chunk)) await drainedOrClosed(response);
    }
    response.end();
  } catch (error) {
    response.destroy(error instanceof Error ? error : new Error('stream failed'));
    throw error;
  }
}

/**
 * Until the response drains or closes. The listener of the event that did not come is taken off
 * again: left on, a long export under backpressure gathered one 'close' listener per wait.
 */
async function drainedOrClosed(response: ServerResponse): Promise<void> {
  const settled = new AbortController();
  const { signal } = settled;
  try {
    await Promise.race([once(response, 'drain', { signal }), once(response, 'close', { signal })]);
  } finally {
    settled.abort();
  }
}
