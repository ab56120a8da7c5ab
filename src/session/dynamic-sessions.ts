// Sessions created from a TargetCompID=* template by their first Logon. At most `max` are held at once; one is
// released (its files closed, its store kept on disk for its next Logon) when it disconnects without ever having
// completed a Logon, when it has been disconnected for `idleTimeoutMs`, or, when a new one needs the room, the one
// disconnected longest. So a flood of new CompIDs cannot hold the places legitimate newcomers need, only the
// sessions connected at the time count, and those are bounded per source address by the connection limit.
import type { Session } from './session.js';

export interface DynamicSessionsOptions {
  max: number;
  idleTimeoutMs: number;
  /** The application's veto: false keeps the session (it has orders working, a drop copy, ...). */
  mayRelease?: (session: Session) => boolean;
  release: (session: Session, why: string) => void;
}

export class DynamicSessions {
  readonly #o: DynamicSessionsOptions;
  readonly #all = new Set<Session>();
  /** Disconnected sessions with the time they disconnected, the longest disconnected first. */
  readonly #idleSinceMs = new Map<Session, number>();
  readonly #loggedOnOnce = new WeakSet<Session>();

  constructor(o: DynamicSessionsOptions) { this.#o = o; }

  get size(): number { return this.#all.size; }

  added(session: Session): void { this.#all.add(session); }

  /** Bound to a connection: not idle. */
  connected(session: Session): void { this.#idleSinceMs.delete(session); }

  /** Call after the session handled input: notes that it completed a Logon once. */
  touched(session: Session): void {
    if (session.isLoggedOn) this.#loggedOnOnce.add(session);
  }

  /** Its connection is gone: released at once when it never completed a Logon, else idle from now. */
  disconnected(session: Session, nowMs: number): void {
    if (!this.#all.has(session) || session.isConnected) return;
    if (!this.#loggedOnOnce.has(session) && this.#mayRelease(session)) {
      this.#release(session, 'disconnected without completing a Logon');
      return;
    }
    this.#idleSinceMs.delete(session);
    this.#idleSinceMs.set(session, nowMs);
  }

  /** Releases up to `maxReleased` of the sessions idle for idleTimeoutMs (those the application lets go): closing
   *  files is file-system work, done a little at a time. */
  sweep(nowMs: number, maxReleased: number): void {
    let released = 0;
    const kept: Session[] = [];
    for (const [session, sinceMs] of this.#idleSinceMs) {
      if (nowMs - sinceMs < this.#o.idleTimeoutMs || released >= maxReleased) break;
      this.#idleSinceMs.delete(session);
      if (session.isConnected) continue;
      if (!this.#mayRelease(session)) {
        kept.push(session); // the application still needs it: idle again from now
        continue;
      }
      this.#release(session, `idle for ${Math.round((nowMs - sinceMs) / 1000)} s after its Logout`);
      released++;
    }
    for (const session of kept) this.#idleSinceMs.set(session, nowMs);
  }

  /** True when one more session may be created: below `max`, or after releasing the longest disconnected one. */
  makeRoom(): boolean {
    if (this.#all.size < this.#o.max) return true;
    for (const session of this.#idleSinceMs.keys()) {
      if (!session.isConnected && this.#mayRelease(session)) {
        this.#release(session, `its place was needed (more than ${this.#o.max} dynamic sessions)`);
        return true;
      }
    }
    return false;
  }

  #mayRelease(session: Session): boolean {
    return this.#o.mayRelease?.(session) ?? true;
  }

  #release(session: Session, why: string): void {
    this.#all.delete(session);
    this.#idleSinceMs.delete(session);
    this.#o.release(session, why);
  }
}
