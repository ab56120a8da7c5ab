// Logons waiting their turn. A Logon's work is file-system work (a new session's files, a 141=Y reset) that takes
// milliseconds on a busy disk, so a flood of them handled as they arrive would stall every other session on the event
// loop (and fill the thread pool the journal's fdatasync runs in). Here at most `concurrency` are in progress at once,
// each started in a turn of its own, round robin over source addresses, so other sessions' messages are read in
// between and one address's flood does not delay another address's newcomer. Bounded: beyond `max` waiting, refused.

export class LogonQueue {
  /** Per source address, oldest first; the map's order is the round robin. */
  readonly #byAddress = new Map<string, Array<() => Promise<void> | void>>();
  #size = 0;
  #running = 0;
  #scheduled = false;

  constructor(readonly max: number, readonly concurrency: number, private readonly onError: (err: unknown) => void) {}

  /** Waiting, not yet started. */
  get size(): number { return this.#size; }

  /** Queues `job` (started in a later turn); false when the queue is full (nothing queued). */
  add(address: string, job: () => Promise<void> | void): boolean {
    if (this.#size >= this.max) return false;
    let jobs = this.#byAddress.get(address);
    if (jobs === undefined) this.#byAddress.set(address, jobs = []);
    jobs.push(job);
    this.#size++;
    this.#schedule();
    return true;
  }

  #schedule(): void {
    if (this.#scheduled || this.#size === 0 || this.#running >= this.concurrency) return;
    this.#scheduled = true;
    setImmediate(() => this.#startOne());
  }

  #startOne(): void {
    this.#scheduled = false;
    if (this.#size === 0 || this.#running >= this.concurrency) return;
    const [address, jobs] = this.#byAddress.entries().next().value as [string, Array<() => Promise<void> | void>];
    const job = jobs.shift()!;
    this.#byAddress.delete(address);
    if (jobs.length > 0) this.#byAddress.set(address, jobs); // to the back of the round
    this.#size--;
    this.#running++;
    const done = () => {
      this.#running--;
      this.#schedule();
    };
    try {
      Promise.resolve(job()).catch(this.onError).finally(done);
    } catch (err) {
      this.onError(err);
      done();
    }
    this.#schedule();
  }
}
