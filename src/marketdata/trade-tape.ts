// Recent trades per symbol rebuilt from the journal at start-up, so /api/v1/trades and the WebSocket trades snapshot
// carry on across a restart. The gateway's replay (the commands after the snapshot it starts from) hands its events in
// as it goes (add); a start from a snapshot replays nothing before it, so the commands before that snapshot, back to
// the snapshot before it (or the journal's start), are replayed here, read-only, for their trades (replayBefore).
import {
  journalDirOf, listSnapshots, readSnapshot, replayJournalDir, snapshotDirOf,
  type EngineConfig, type EngineEvent,
} from '../engine/index.js';
import type { TradeRecord } from './feed.js';

/** Trades kept per symbol unless the HTTP server is told otherwise (startHttpServer's tradesKeptMax). */
export const TRADES_KEPT_DEFAULT = 1000;
/** Journal commands replayed at most, at start-up, for the trades before the snapshot started from (about a second). */
export const REPLAY_BEFORE_COMMANDS_MAX = 1_000_000;

export class TradeTape {
  /** Per symbol, oldest first; trimmed back to tradesKeptMax when it reaches twice that. */
  readonly #bySymbol = new Map<string, TradeRecord[]>();

  constructor(readonly tradesKeptMax: number) {}

  /** The events of one replayed command, in log order. */
  add(events: readonly EngineEvent[]): void {
    for (const ev of events) {
      if (ev.kind !== 'md' || ev.trades.length === 0) continue;
      let list = this.#bySymbol.get(ev.symbol);
      if (list === undefined) this.#bySymbol.set(ev.symbol, list = []);
      for (const t of ev.trades) {
        list.push({ seq: ev.mdSeq, tradeId: t.tradeId, price: t.price, qty: t.qty, side: t.aggressorSide, timeMs: ev.timeMs });
      }
      if (list.length >= this.tradesKeptMax * 2) list.splice(0, list.length - this.tradesKeptMax);
    }
  }

  /** The newest trades of `symbol` (at most tradesKeptMax), oldest first. */
  trades(symbol: string): TradeRecord[] {
    const list = this.#bySymbol.get(symbol) ?? [];
    return list.slice(Math.max(0, list.length - this.tradesKeptMax));
  }

  /**
   * Puts ahead of what was added the trades of the journal commands up to `snapshotSeq` (the snapshot the gateway
   * started from): replayed read-only from the snapshot before it, then from the one before that, ... (or from the
   * journal's start when there is no older one) until every symbol has tradesKeptMax trades, the snapshots run out or
   * `commandsMax` commands would be exceeded. A window that cannot be replayed (journal trimmed by retention, damaged
   * snapshot) ends it: the history then starts after that window, contiguous still.
   */
  replayBefore(dataDir: string, config: EngineConfig, snapshotSeq: number, commandsMax = REPLAY_BEFORE_COMMANDS_MAX): { fromSeq: number; commands: number; error?: string } {
    const older = listSnapshots(snapshotDirOf(dataDir)).filter((s) => s.seq < snapshotSeq);
    let upToSeq = snapshotSeq;
    let commands = 0;
    while (config.instruments.some((i) => (this.#bySymbol.get(i.symbol)?.length ?? 0) < this.tradesKeptMax)) {
      const start = older.pop();
      const fromSeq = start?.seq ?? 0;
      if (upToSeq - fromSeq > commandsMax - commands || upToSeq === fromSeq) break;
      const window = new TradeTape(this.tradesKeptMax);
      try {
        const state = start === undefined ? null : readSnapshot(start.path);
        commands += replayJournalDir(config, journalDirOf(dataDir), state, (_sc, events) => window.add(events), upToSeq).replayedCommands;
      } catch (err) {
        return { fromSeq: upToSeq, commands, error: (err as Error).message };
      }
      this.#prepend(window);
      upToSeq = fromSeq;
      if (start === undefined) break;
    }
    return { fromSeq: upToSeq, commands };
  }

  /** Puts `earlier`'s trades ahead of this tape's, keeping the newest tradesKeptMax per symbol. */
  #prepend(earlier: TradeTape): void {
    for (const [symbol, list] of earlier.#bySymbol) {
      const after = this.#bySymbol.get(symbol) ?? [];
      const room = this.tradesKeptMax - after.length;
      if (room > 0) this.#bySymbol.set(symbol, [...list.slice(Math.max(0, list.length - room)), ...after]);
    }
  }
}
