// fixgw engine: sequencer, journal, matching engine and pre-trade risk. No sockets, no FIX.
//
// HOW TO USE IT (gateway, market data)
//
//   const config = loadEngineConfig('config/engine.json');            // throws EngineConfigError naming file + key
//   const { sequencer, engine, recovery } = await openEngine({ dataDir: 'DATA', config, fsync: 'always' });
//   sequencer.onEvents((sc, events, ref) => { ... });                   // every command's events, in seq order
//   sequencer.onFatal((err) => { ... });                                // the log failed: stop the gateway
//   sequencer.submit({ type: 'NewOrder', session: 'FIX.4.4:FIXGW->CLIENT1', clOrdId: 'A1',
//     symbol: 'AAPL', side: 'Buy', ordType: 'Limit', timeInForce: 'Day', price: '100.01', orderQty: '100' }, { ref: 7 });
//   ...
//   await sequencer.close();                                            // drain, then close the log
//
// THE SEAM: the stations talk to the one writer through CommandSequencer (sequencer.ts); underneath it is a
// CommandLog (command-log.ts): the local journal (JournalCommandLog, what openEngine builds), an in-memory log
// (MemoryCommandLog: `new Sequencer(new Engine(config), { log: new MemoryCommandLog() })` for tests and benches), or
// in cluster mode a replicated one. The sequencer applies what the log delivers as durable, whoever appended it;
// `ref` comes back only with the commands this process submitted. Without a sequencer, drive the pure engine
// directly: `engine.apply({ seq, timeMs, cmd })` → EngineEvent[].
//
// GUARANTEES
// - Durable before visible: commands submitted in one event-loop turn form a batch; the batch is written to
//   the current segment file of DATA/journal/ in one write (and fdatasync'd when fsync is 'always'), THEN applied, THEN the
//   events go to listeners. With fsync 'none' the write is synchronous (to the page cache, no thread-pool
//   round trip: the batch is applied in the turn it is drained); with 'always' the write and the fdatasync
//   run off the event loop. Reads (engine.bookSnapshot, engine.orderById, ...) only ever show applied,
//   durable state and are consistent with exactly the events delivered so far.
// - Deterministic: the engine reads no clock; `seq` comes from the log and `timeMs` from the submitter's clock. A
//   command is applied at max(the previous command's applied time, its own timeMs), so time never goes back and is
//   the same on every replica and every replay. The same journal always yields the same events, byte for byte (see
//   replayDataDir / `fixgw replay --verify`); engineDigest(engine) proves two replicas hold the same state.
// - The journal is a directory of segment files, DATA/journal/journal-<seq of first record, 20 digits>.log; a new one
//   is started at a batch boundary once the current one holds journalSegmentBytes (default 64 MiB). Recovery loads the
//   latest snapshot and streams only the segments after it; a torn tail is truncated only in the last segment, damage
//   anywhere else is a JournalCorruptError naming file and offset. journalRetention 'snapshot' deletes the segments the
//   oldest kept snapshot covers (then a full replay throws JournalTrimmedError); 'all' (default) keeps everything.
// - A log failure is fatal: submit() throws SequencerStoppedError afterwards, onFatal listeners run once.
//   submit() throws SequencerOverloadedError when pendingCommandsMax commands are waiting, and
//   JournalRecordTooLargeError for a command whose journal record would exceed 64 KiB (nothing queued: reject it as bad input).
//
// COMMANDS (types.ts) — plain JSON, journaled as sent; prices/quantities are decimal strings exactly as received.
//   NewOrder, Cancel (by orderId, or origClOrdId = any ClOrdID of the order's chain, within the same session),
//   Replace (orderQty = new total quantity; price/stopPx/displayQty optional), OrderStatus, MassCancel (filters
//   filterSession/account/symbol/side, all must match; no filter = the requesting session's orders),
//   SessionDisconnected (cancel-on-disconnect per config.cancelOnDisconnect, or the command's override),
//   Halt / Resume (symbol), KillSwitch (account, on), ExpireSweep (GTD orders with expireTimeMs ≤ command time),
//   EndOfDay (expires Day orders, all symbols or one).
//   Deposit, Withdraw, Adjust (balances, idempotent by refId: docs/accounts.md).
//   NewOrder without `account` is booked to the CompID after "->" in `session`.
//
// EVENTS (types.ts), in the order they happened within a command. Events are immutable. The ones about orders,
// trades and book levels are small objects (reports.ts) holding integer ticks/lots: their decimal text fields
// (price, cumQty, avgPx, execId, orderId, ...) are formatted when read, so read each field once where it matters.
// JSON.stringify gives the plain object (toJSON); a structured clone (postMessage) would lose the text fields:
// send JSON or plain objects to workers.

//   'exec'         ExecutionReport: execType New | Trade | Canceled | Replaced | Rejected | Expired | Restated |
//                  OrderStatus (a stop election is Restated, doneReason StopTriggered); ordStatus New | PartiallyFilled | Filled | Canceled | Rejected | Expired.
//                  orderId (= seq of the NewOrder that created it; '' when rejected), execId ("<seq>.<n>", unique),
//                  decimal strings at instrument precision, avgPx exact (or 10 extra places when it does not
//                  terminate), lastPx/lastQty/tradeId/liquidity on fills, rejectReason + fixOrdRejReason(103) + text,
//                  doneReason (why an order ended without a client cancel: IocRemainder, SelfTradePrevention, ...).
//   'cancelReject' OrderCancelReject: responseTo 'Cancel' | 'Replace' (434), rejectReason + fixCxlRejReason(102).
//   'massCancel'   canceledCount (and rejectReason when the request was bad).
//   'trade'        both sides (orderId, clOrdId, session, account), price, qty, aggressorSide, tradeId.
//   'md'           market data, ONE per command per instrument that changed: mdSeq (+1 each), level deltas
//                  {side, price, qty, count} (qty "0" = level gone), trades, status when trading status changed.
//   'admin'        result of SessionDisconnected/Halt/Resume/KillSwitch/ExpireSweep/EndOfDay (canceledCount).
//   'balance'      result of Deposit/Withdraw/Adjust. Account reads (balances, positions, fills, ...): docs/accounts.md.
//   REJECT_FIX_CODES maps every RejectReason to FIX OrdRejReason (103) and CxlRejReason (102).
//
// READS on Engine (it has no public mutable state): lastSeq, lastTimeMs, instruments(), bookSnapshot(symbol, depth) →
//   { mdSeq, bids/asks: [price, qty, count][] best first }, orderById(orderId), orderByClOrdId(session, clOrdId),
//   restingCounts(), sessionsWithOrders(), nextExpiryMs(), doneOrdersKept(). Snapshots: exportEngineState/importEngineState.
//
// NUMBERS: prices are integer ticks and quantities integer lots (JS numbers). config.ts guarantees
//   maxPrice/tick × maxQty/lot < 2^53 per instrument, and caps order and account notional at 2^52 notional units
//   (config notionalUnit, default 0.000001) so every sum of reservations is exact.
//
// LIMITS: orderBookLevelsMax price levels per book side (an order that would open one more is canceled after
//   trading what it can, doneReason 'BookFull'); doneOrdersMax done orders (and their ClOrdIDs) are remembered for status/duplicate checks, oldest
//   forgotten first; stopOrdersMaxPerInstrument per side; ClOrdID/session/account ≤ 128 chars; journal record
//   ≤ 64 KiB; pendingCommandsMax queued commands.

export * from './types.js';
export { loadEngineConfig, buildEngineConfig, defaultEngineConfigPath, EngineConfigError, NOTIONAL_UNITS_MAX } from './config.js';
export type { EngineConfig, EngineConfigFile, Instrument, InstrumentConfig, AccountConfig, AccountLimits } from './config.js';
export { Engine, ID_LENGTH_MAX } from './engine.js';
export type { OrderView, BookSnapshot } from './engine.js';
export { Sequencer, SequencerOverloadedError, SequencerStoppedError, SequencerUnavailableError } from './sequencer.js';
export type { CommandSequencer, SequencerOptions, SubmitOptions, EventsListener } from './sequencer.js';
export type { CommandLog, LogFollower } from './command-log.js';
export {
  CommandNotEncodableError, RECORD_FORMAT_VERSION, encodeCommandPayload, decodeCommandPayload,
} from './command-codec.js';
export { JournalCommandLog } from './command-log-journal.js';
export { MemoryCommandLog, MemoryLogStream } from './command-log-memory.js';
export type { MemoryLogOptions } from './command-log-memory.js';
export {
  JournalWriter, JournalCorruptError, JournalTrimmedError, JournalRecordTooLargeError, readJournalDir, scanJournal, listSegments, segmentName,
  syncJournal, trimJournal, encodeRecords, JOURNAL_SEGMENT_BYTES_DEFAULT, JournalVersionError, RECORD_PAYLOAD_BYTES_MAX,
} from './journal.js';
export type { FsyncPolicy, JournalContents, JournalScan, JournalSegment, SegmentRead, ScanOptions } from './journal.js';
export {
  writeSnapshot, encodeSnapshot, decodeSnapshot, writeEncodedSnapshot, readSnapshot, readLatestSnapshot, listSnapshots, snapshotName,
  FileSnapshotStore, SnapshotError, SNAPSHOTS_KEPT, SNAPSHOT_FORMAT_VERSION,
} from './snapshot.js';
export type { EncodedSnapshot, SnapshotFile, SnapshotStore } from './snapshot.js';
export { exportEngineState, importEngineState, ENGINE_STATE_VERSION } from './engine-state.js';
export type { EngineState } from './engine-state.js';
export { openEngine, replayDataDir, replayJournalDir, trimJournalToSnapshots, journalDirOf, snapshotDirOf } from './data-dir.js';
export type { OpenEngineOptions, OpenedEngine, ReplayResult, JournalRetention } from './data-dir.js';
export { checkEngineInvariants } from './invariants.js';
export { engineDigest, eventsDigest } from './digest.js';
