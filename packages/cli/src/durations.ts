import { ErrorCode, HearthError } from '@hearth/contracts';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * A duration as an operator types it — `30s`, `15m`, `1h`, `7d`, or plain seconds (`3600`) — in whole
 * seconds, more than zero. Anything else is refused rather than guessed at (`1.5h`, `1h30m`, `10 m`).
 */
export function parseDuration(text: string, what = 'a duration'): number {
  const match = /^([0-9]{1,9})([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1) : 0;
  if (!match || seconds <= 0) {
    throw new HearthError(
      ErrorCode.InvalidRequest,
      `${what} is a whole number of seconds or of s, m, h or d, more than zero (30s, 15m, 1h, 7d): got ${JSON.stringify(text)}`,
    );
  }
  return seconds;
}
