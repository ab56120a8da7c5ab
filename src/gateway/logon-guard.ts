// Failed logons per source address. An address that fails more than `maxFailures` logons (wrong password, unknown
// or refused CompID, address not allowed) within `windowMs` is locked out for `lockoutMs`: its Logons are then
// refused without a reply, even with the right password, so a password or CompID cannot be guessed at line rate.
// Memory is bounded: at most `addressesMax` addresses are tracked; when full, the one seen longest ago goes.

export interface LogonGuardOptions {
  /** Failures tolerated within the window; one more locks the address out. 0 = no lockout. */
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
  addressesMax?: number;
  now?: () => number;
}

interface AddressState { windowStartMs: number; failures: number; lockedUntilMs: number }

export class LogonGuard {
  readonly #o: Required<Omit<LogonGuardOptions, 'now'>>;
  readonly #now: () => number;
  /** In order of last change: the first entry is the one seen longest ago. */
  readonly #byAddress = new Map<string, AddressState>();

  constructor(o: LogonGuardOptions) {
    this.#o = { maxFailures: o.maxFailures, windowMs: o.windowMs, lockoutMs: o.lockoutMs, addressesMax: o.addressesMax ?? 10_000 };
    this.#now = o.now ?? Date.now;
  }

  get trackedAddresses(): number { return this.#byAddress.size; }

  /** Milliseconds the address stays locked out, or 0 when it may log on. */
  lockedForMs(address: string): number {
    const st = this.#byAddress.get(address);
    if (st === undefined) return 0;
    const left = st.lockedUntilMs - this.#now();
    return left > 0 ? left : 0;
  }

  /** Counts a failed logon; returns true when this failure locked the address out. */
  failed(address: string): boolean {
    if (this.#o.maxFailures === 0) return false;
    const now = this.#now();
    let st = this.#byAddress.get(address);
    if (st !== undefined) this.#byAddress.delete(address); // re-inserted below: the map stays in last-change order
    if (st === undefined || now - st.windowStartMs >= this.#o.windowMs) st = { windowStartMs: now, failures: 0, lockedUntilMs: st?.lockedUntilMs ?? 0 };
    st.failures++;
    let locked = false;
    if (st.failures > this.#o.maxFailures && st.lockedUntilMs <= now) {
      st.lockedUntilMs = now + this.#o.lockoutMs;
      st.failures = 0;
      st.windowStartMs = now;
      locked = true;
    }
    this.#byAddress.set(address, st);
    while (this.#byAddress.size > this.#o.addressesMax) {
      const oldest = this.#byAddress.keys().next().value as string;
      this.#byAddress.delete(oldest);
    }
    return locked;
  }

  /** A successful logon clears the address's failures (not a lockout in force: that has already refused it). */
  succeeded(address: string): void {
    const st = this.#byAddress.get(address);
    if (st !== undefined && st.lockedUntilMs <= this.#now()) this.#byAddress.delete(address);
  }
}
