// Running out of file descriptors without stopping: a budget that refuses new connections and sessions while a
// reserve of descriptors is left (so the journal, snapshots and the stores already open still get one when they need
// it), and a log that reports a burst of refusals once instead of once per attempt.
import fs from 'node:fs';

/** Descriptors one new session takes: store (3 files, a 4th briefly on a reset) and message log (2). */
export const SESSION_DESCRIPTORS = 6;

export class DescriptorBudget {
  /** The process's soft RLIMIT_NOFILE; undefined where it cannot be read (then nothing is refused). */
  readonly limit: number | undefined;
  /** Descriptors kept free for what is already running. */
  readonly reserve: number;
  readonly #recountMs: number;
  #inUse = 0;
  #countedAtMs = -Infinity;

  constructor(opts: { limit?: number | undefined; reserve?: number; recountMs?: number } = {}) {
    this.limit = 'limit' in opts ? opts.limit : softLimit();
    this.reserve = opts.reserve ?? (this.limit === undefined ? 0 : Math.min(1024, Math.max(32, Math.floor(this.limit / 16))));
    this.#recountMs = opts.recountMs ?? 100;
  }

  /** True when `n` more descriptors leave the reserve untouched; counts them as taken then. The open descriptors are
   *  counted again (/proc/self/fd) at most every recountMs, in between estimated from what was taken. */
  take(n: number, nowMs = Date.now()): boolean {
    if (this.limit === undefined) return true;
    if (nowMs - this.#countedAtMs >= this.#recountMs) {
      this.#inUse = countOpen();
      this.#countedAtMs = nowMs;
    }
    if (this.#inUse + n > this.limit - this.reserve) return false;
    this.#inUse += n;
    return true;
  }
}

/** EMFILE (process limit) or ENFILE (system limit). */
export function isOutOfDescriptors(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

/** Logs the first of a run of like failures, then at most once per `intervalMs` how many there were since. */
export class FailureBurst {
  #unlogged = 0;
  #loggedAtMs = -Infinity;

  constructor(readonly what: string, readonly intervalMs: number, private readonly log: (text: string) => void) {}

  failed(detail: string, nowMs = Date.now()): void {
    this.#unlogged++;
    if (nowMs - this.#loggedAtMs < this.intervalMs) return;
    const count = this.#unlogged === 1 ? '' : ` (${this.#unlogged} times since the last report)`;
    this.log(`${this.what}${count}: ${detail}`);
    this.#unlogged = 0;
    this.#loggedAtMs = nowMs;
  }
}

let processBudget: DescriptorBudget | undefined;
/** The process's one budget, shared by everything that opens connections (the FIX acceptor, the HTTP server), so each
 *  counts what the others took since the last recount. */
export function processDescriptors(): DescriptorBudget {
  return processBudget ??= new DescriptorBudget();
}

function softLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'latin1'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

function countOpen(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch (err) {
    return isOutOfDescriptors(err) ? Number.MAX_SAFE_INTEGER : 0; // none left even to read the list
  }
}
