// One FIX session's sequence numbers in a JetStream KV key, kept up to date by its holder: at most one update in flight,
// always the newest state, each a compare-and-set against the revision the holder last wrote, so an older state never
// overwrites a newer one and a node that lost the session has its update refused.
import { JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

export interface SeqnumState { sender: number; target: number; creationTimeMs: number }
/** What the KV value holds: the state, the holder's fence, and the holder's change number (to know its own write). */
export interface SeqnumValue extends SeqnumState { fence: number; version: number }

const WRONG_LAST_SEQUENCE = 10071;
const RETRY_PAUSE_MS = 100;

export function encodeSeqnums(v: SeqnumValue): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(v));
}

export function decodeSeqnums(bytes: Uint8Array): SeqnumValue {
  const v = JSON.parse(new TextDecoder().decode(bytes)) as SeqnumValue;
  for (const k of ['sender', 'target', 'creationTimeMs', 'fence', 'version'] as const) {
    if (!Number.isSafeInteger(v[k])) throw new Error(`session seqnums value has no integer ${k}`);
  }
  return v;
}

export class KvSeqnums {
  private latest: SeqnumState | null = null;
  private changes = 0;
  private sentVersion = 0;
  private ackedVersion = 0;
  private inFlight = false;
  private failed = false;
  private readonly settledListeners: Array<() => void> = [];
  private readonly failedListeners: Array<(err: Error) => void> = [];

  constructor(private readonly kv: KV, private readonly key: string, private readonly fence: number, private revision: number, private readonly retryMs: number) {}

  /** The number of the newest change. */
  get version(): number { return this.changes; }
  settled(): boolean { return this.ackedVersion >= this.changes; }
  settledThrough(version: number): boolean { return this.ackedVersion >= version; }
  onSettled(listener: () => void): void { this.settledListeners.push(listener); }
  onFailed(listener: (err: Error) => void): void { this.failedListeners.push(listener); }

  changed(state: SeqnumState): void {
    this.latest = state;
    this.changes++;
  }

  /** Starts an update with the newest state unless one is in flight (it starts the next when it is done). */
  send(): void {
    if (this.inFlight || this.failed || this.latest === null || this.sentVersion >= this.changes) return;
    this.inFlight = true;
    this.sentVersion = this.changes;
    const value: SeqnumValue = { ...this.latest, fence: this.fence, version: this.sentVersion };
    void this.update(value).then((ok) => {
      this.inFlight = false;
      if (!ok) return;
      this.ackedVersion = value.version;
      for (const l of this.settledListeners) l();
      this.send();
    });
  }

  private async update(value: SeqnumValue): Promise<boolean> {
    const deadline = Date.now() + this.retryMs;
    for (;;) {
      try {
        this.revision = await this.kv.update(this.key, encodeSeqnums(value), this.revision);
        return true;
      } catch (err) {
        if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE && await this.landedEarlier(value)) return true;
        // 503: no leader for the bucket right now, which a retry outlives; any other answer is final
        if ((err instanceof JetStreamApiError && err.status !== 503) || Date.now() >= deadline) return this.fail(err as Error);
        await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
      }
    }
  }

  /** After a refused compare-and-set: whether the key holds this very update (an earlier attempt's ack was lost). */
  private async landedEarlier(value: SeqnumValue): Promise<boolean> {
    const entry = await this.kv.get(this.key).catch(() => null);
    if (entry === null || entry.operation !== 'PUT') return false;
    const now = decodeSeqnums(entry.value);
    if (now.fence !== this.fence || now.version !== value.version) return false;
    this.revision = entry.revision;
    return true;
  }

  private fail(err: Error): false {
    this.failed = true;
    const why = err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE ? 'the session was taken over by another node' : err.message;
    for (const l of this.failedListeners) l(new Error(`sequence numbers not replicated: ${why}`, { cause: err }));
    return false;
  }
}
