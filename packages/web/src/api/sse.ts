import { ApiError, errorOf, isUnauthenticated, signalUnauthenticated } from './client';

/**
 * A Server-Sent Events stream of the console (same origin, the session cookie goes with it). Each named
 * event's data is JSON handed to its handler; `event: error` with `{error:{code,message}}` ends the
 * stream for good (the session no longer passes) and is handed to onError. EventSource reconnects by
 * itself after a dropped connection; `onOpen` tells the page to refetch what it may have missed.
 */
export interface StreamHandlers {
  events: Record<string, (data: unknown) => void>;
  onError?: (error: ApiError) => void;
  onOpen?: () => void;
}

export function openStream(path: string, handlers: StreamHandlers): () => void {
  const source = new EventSource(path, { withCredentials: true });
  for (const [name, handle] of Object.entries(handlers.events)) {
    source.addEventListener(name, (event) => {
      const data = parse((event as MessageEvent<string>).data);
      if (data !== undefined) handle(data);
    });
  }
  source.addEventListener('error', (event) => {
    const data = event instanceof MessageEvent ? parse(event.data as string) : undefined;
    if (data !== undefined) {
      source.close();
      const error = errorOf(0, data);
      if (isUnauthenticated(error)) signalUnauthenticated();
      else handlers.onError?.(error);
    } else if (source.readyState === EventSource.CLOSED) {
      handlers.onError?.(
        new ApiError(
          'WEB.STREAM_CLOSED',
          'live updates stopped: the console refused the stream (too many open tabs?) or went away; reload the page',
          0,
        ),
      );
    }
  });
  if (handlers.onOpen) source.addEventListener('open', handlers.onOpen);
  return () => source.close();
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
