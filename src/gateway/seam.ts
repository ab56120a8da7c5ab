// The two interfaces the stations meet the engine through: the one writer (CommandSequencer, from the engine: submit a
// command with the submitter's own `ref`, get every applied command's events back with that ref) and the engine's
// reads (EngineReads: the part of Engine's read API the stations use). The local Sequencer over the segmented journal
// or over a log in memory is one CommandSequencer; the cluster's JetStream log is another.
import { Sequencer, type BookSnapshot, type CommandSequencer, type EngineConfig, type FillView, type OrderView, type TradingStatus } from '../engine/index.js';

export type { CommandSequencer } from '../engine/index.js';

/** Calls `listener` for each command submitted here that the log stored no record of its own for, because its dedupe
 *  id was in the log already (the record at `seq`, applied). Only a Sequencer's log can say so. */
export function onDuplicates(sequencer: CommandSequencer, listener: (ref: number | undefined, seq: number) => void): void {
  if (sequencer instanceof Sequencer) sequencer.onDuplicate(listener);
}

/** What the stations read from the engine (applied, durable state only); Engine has it. */
export interface EngineReads {
  readonly lastSeq: number;
  orderByClOrdId(session: string, clOrdId: string): OrderView | null;
  /** Sessions that have orders in the engine (resting, or remembered as done). */
  sessionsWithOrders(): Iterable<string>;
  /** Earliest expiry of a resting GTD order, epoch ms; null when there is none. */
  nextExpiryMs(): number | null;
  // market and reference data over FIX (market-data.ts, reference-data.ts)
  /** The instruments, accounts and limits the engine runs with (immutable). */
  readonly config: EngineConfig;
  instruments(): Array<{ symbol: string; tickSize: string; lotSize: string; status: TradingStatus; lastPrice: string | null; mdSeq: number }>;
  bookSnapshot(symbol: string, depth?: number): BookSnapshot | null;
  orderById(orderId: string): OrderView | null;
  fillsBetween(sinceMs: number, untilMs: number, max: number, accepts: (account: string) => boolean): { fills: FillView[]; forgottenBeforeMs: number | null };
}
