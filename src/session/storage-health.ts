// Which sessions' files do not take writes now (a full disk, a file-size limit, an I/O error): a session's store (its
// outbound messages and sequence numbers) or its message log. The process runs on with what still works; this is what
// it tells the operator: each failure once when it starts and once when it ends (`onChange`, the process log), the
// list for /health, counts for /metrics. A failing file is tried again every second until a write goes through.
export type SessionFile = 'store' | 'log';

export interface StorageFailure {
  session: string;
  file: SessionFile;
  /** The error, and for a store that lost messages what that means for the session. */
  reason: string;
  sinceMs: number;
}

/** How often failing files are tried again. */
const RETRY_INTERVAL_MS = 1000;

interface Entry extends StorageFailure { retry: () => boolean }

export class StorageHealth {
  readonly #failing = new Map<string, Entry>();
  #timer: NodeJS.Timeout | null = null;

  /** `onChange`: a file started failing (`failure` set) or works again (`failure` null). */
  constructor(private readonly onChange: (session: string, file: SessionFile, failure: StorageFailure | null) => void = () => undefined) {}

  /** `session`'s `file` failed; `retry` tries a write again (true: it went through). Told once until it recovers; a
   *  second failure of a file already failing only updates its reason. */
  failed(session: string, file: SessionFile, reason: string, retry: () => boolean, nowMs = Date.now()): void {
    const key = `${file} ${session}`;
    const known = this.#failing.get(key);
    if (known !== undefined) {
      known.reason = reason;
      known.retry = retry;
      return;
    }
    const entry: Entry = { session, file, reason, sinceMs: nowMs, retry };
    this.#failing.set(key, entry);
    this.onChange(session, file, publicOf(entry));
    this.#timer ??= setInterval(() => this.#retry(), RETRY_INTERVAL_MS);
    this.#timer.unref();
  }

  /** `session`'s `file` took a write again. */
  recovered(session: string, file: SessionFile): void {
    if (!this.#failing.delete(`${file} ${session}`)) return;
    this.onChange(session, file, null);
    if (this.#failing.size === 0) this.#stopTimer();
  }

  /** The session is gone from this process (released): its files are no one's concern here any more. */
  forget(session: string): void {
    this.#failing.delete(`store ${session}`);
    this.#failing.delete(`log ${session}`);
    if (this.#failing.size === 0) this.#stopTimer();
  }

  isFailing(session: string, file: SessionFile): boolean {
    return this.#failing.has(`${file} ${session}`);
  }

  failures(): StorageFailure[] {
    return [...this.#failing.values()].map(publicOf);
  }

  count(file: SessionFile): number {
    let n = 0;
    for (const entry of this.#failing.values()) if (entry.file === file) n++;
    return n;
  }

  #retry(): void {
    for (const entry of [...this.#failing.values()]) {
      let ok = false;
      try {
        ok = entry.retry();
      } catch {
        ok = false; // still failing
      }
      if (ok) this.recovered(entry.session, entry.file);
    }
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}

function publicOf(entry: Entry): StorageFailure {
  return { session: entry.session, file: entry.file, reason: entry.reason, sinceMs: entry.sinceMs };
}
