/**
 * Refused sign-ins by client address: past `limit` refusals within `windowMs`, an address is turned
 * away before its token is looked at, so a flood of wrong tokens writes at most `limit` audit events
 * per address and window instead of one per request. Pure: the caller says what time it is. At most
 * `addresses` are remembered; the one refused longest ago is forgotten first.
 */
export class SignInThrottle {
  private readonly refusals = new Map<string, number[]>();

  constructor(private readonly options: { limit: number; windowMs: number; addresses: number }) {}

  /** Whether `address` may try now. */
  admits(address: string, now: number): boolean {
    return this.recent(address, now).length < this.options.limit;
  }

  /** Counts a refused sign-in of `address`. */
  refused(address: string, now: number): void {
    const times = [...this.recent(address, now), now];
    this.refusals.delete(address);
    this.refusals.set(address, times);
    if (this.refusals.size > this.options.addresses) {
      this.refusals.delete(this.refusals.keys().next().value!);
    }
  }

  private recent(address: string, now: number): number[] {
    const times = (this.refusals.get(address) ?? []).filter((at) => now - at < this.options.windowMs);
    if (times.length === 0) this.refusals.delete(address);
    return times;
  }
}
