import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

/**
 * An AbortSignal that fires when the client goes away (or the response ends): at once when it went
 * already, while the request was being authenticated ('close' has fired then, and would not again).
 */
export function closedSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  if (response.destroyed) controller.abort();
  else response.once('close', () => controller.abort());
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

/** Starts a Server-Sent Events answer: no cache, no proxy buffering, then `comment` as its first line. */
export function openEventStream(response: ServerResponse, comment: string): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  response.write(`: ${comment}\n\n`);
}

/** One Server-Sent Event: its type, its JSON data and, for a stream a client resumes, its id. */
export function sseEvent(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** What keeps an idle stream open through proxies. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';

/** Ends a stream with the body an HTTP error carries, so a client reads the code the same way. */
export function sseRefusal(error: { code: string; message: string }): string {
  return sseEvent('error', { error: { code: error.code, message: error.message } });
}
