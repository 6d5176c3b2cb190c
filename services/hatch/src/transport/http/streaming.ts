import type { Response } from 'express';
import { once } from 'node:events';

/** An AbortSignal that fires when the client goes away (or the response ends). */
export function closedSignal(response: Response): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => controller.abort());
  return controller.signal;
}

/**
 * Writes `chunks` with backpressure: a slow reader slows the producer instead of filling memory.
 * A failure half-way destroys the response, so the client sees a broken transfer, never a clean
 * end it could mistake for the whole of it.
 */
export async function writeChunks(response: Response, chunks: AsyncIterable<string>): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (response.destroyed) return;
      if (!response.write(chunk)) await Promise.race([once(response, 'drain'), once(response, 'close')]);
    }
    response.end();
  } catch (error) {
    response.destroy(error instanceof Error ? error : new Error('stream failed'));
    throw error;
  }
}
