import {
  type AuditFilter,
  AuditRecord,
  AuditRecordPage,
  ErrorCode,
  HearthError,
  ParkedList,
  type AuditRecordQuery,
} from '@hearth/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { consoleConnection, httpBaseUrl } from './config.js';
import { reasonOf } from './unreachable.js';
import { printErr } from './terminal.js';

export const DEFAULT_HATCH_URL = 'http://127.0.0.1:7702';
const TIMEOUT_MS = 30_000;

export interface HatchConnection {
  baseUrl: string;
  token: string;
}

/** hatch's URL from HEARTH_HATCH_URL; the token is the one every other command uses. */
export function hatchConnection(env = process.env, cwd = process.cwd()): HatchConnection {
  return {
    baseUrl: httpBaseUrl('HEARTH_HATCH_URL', env.HEARTH_HATCH_URL ?? DEFAULT_HATCH_URL),
    token: consoleConnection(env, cwd).token,
  };
}

/**
 * hatch's HTTP API for auditors. Answers are checked against the contracts; failures become
 * HearthErrors that say what to do. The token stays private to the instance.
 */
export class HatchApi {
  readonly #token: string;
  private readonly baseUrl: string;

  constructor(connection: HatchConnection) {
    this.baseUrl = connection.baseUrl;
    this.#token = connection.token;
  }

  async records(query: Partial<AuditRecordQuery>): Promise<AuditRecordPage> {
    const response = await this.get(`/v1/audit/records?${searchOf(query)}`, AbortSignal.timeout(TIMEOUT_MS));
    const parsed = AuditRecordPage.safeParse(await response.json());
    if (!parsed.success) throw new HearthError(ErrorCode.Internal, "hatch's answer is not a page of records");
    return parsed.data;
  }

  async parked(): Promise<ParkedList> {
    const response = await this.get('/v1/parked', AbortSignal.timeout(TIMEOUT_MS));
    const parsed = ParkedList.safeParse(await response.json());
    if (!parsed.success) throw new HearthError(ErrorCode.Internal, "hatch's answer is not a list of parked events");
    return parsed.data;
  }

  async exportText(): Promise<string> {
    const response = await this.get('/v1/audit/export');
    return response.text();
  }

  /** Follows the live tail after `afterSeq`, reconnecting (resuming after the last seq seen) until killed. */
  async follow(filter: AuditFilter, afterSeq: number, print: (record: AuditRecord) => void): Promise<never> {
    let last = afterSeq;
    for (let failures = 0; ; failures++) {
      try {
        const response = await this.get(`/v1/audit/tail?${searchOf(filter)}`, undefined, {
          accept: 'text/event-stream',
          'last-event-id': String(last),
        });
        failures = 0;
        for await (const event of sseEvents(response)) {
          // hatch ends a tail whose token stopped passing with the error, as an HTTP error body.
          if (event.event === 'error') throw errorOf(parseJson(event.data), 'hatch ended the live tail');
          if (event.event !== 'record') continue;
          const record = AuditRecord.parse(JSON.parse(event.data));
          last = record.seq;
          print(record);
        }
      } catch (error) {
        if (error instanceof HearthError && error.kind !== 'unavailable') throw error;
      }
      if (failures === 0) printErr(`hearth: the live tail dropped after seq ${last}; reconnecting…`);
      await sleep(Math.min(500 * 2 ** failures, 10_000));
    }
  }

  private async get(path: string, signal?: AbortSignal, headers: Record<string, string> = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        headers: { accept: 'application/json', ...headers, authorization: `Bearer ${this.#token}` },
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw new HearthError(
        ErrorCode.Unavailable,
        `cannot reach hatch at ${this.baseUrl} (${reasonOf(error)}): is it running, and is HEARTH_HATCH_URL right?`,
      );
    }
    if (response.ok) return response;
    throw errorOf(await response.json().catch(() => null), `hatch answered HTTP ${response.status}`);
  }
}

function errorOf(answer: unknown, otherwise: string): HearthError {
  const body = answer as { error?: { code?: string; message?: string } } | null;
  const code = Object.values(ErrorCode).find((c) => c === body?.error?.code) ?? ErrorCode.Internal;
  return new HearthError(code, body?.error?.message ?? otherwise);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function searchOf(query: object): string {
  const entries = Object.entries(query)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]): [string, string] => [key, String(value)]);
  return new URLSearchParams(entries).toString();
}

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** The events of a text/event-stream body, as the WHATWG rules read them (comments skipped). */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const event = parseSseBlock(block);
      if (event) yield event;
    }
  }
}

export function parseSseBlock(block: string): SseEvent | null {
  let id: string | null = null;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? null : { id, event, data: data.join('\n') };
}
