// Commands the engine accepts and events it emits: plain JSON-serialisable objects (commands are journaled).

export type Side = 'Buy' | 'Sell';
export type OrdType = 'Limit' | 'Market' | 'Stop' | 'StopLimit';
export type TimeInForce = 'Day' | 'GTC' | 'IOC' | 'FOK' | 'GTD';
/** Self-trade prevention: what happens when an order would trade against the same account. */
export type StpMode = 'None' | 'CancelNewest' | 'CancelOldest' | 'CancelBoth' | 'DecrementAndCancel';
export type TradingStatus = 'Open' | 'Halted' | 'Closed';

// ---------------------------------------------------------------- commands

/** New order, as the client sent it: prices and quantities are decimal strings exactly as received. */
export interface NewOrderCommand {
  type: 'NewOrder';
  /** FIX session id, e.g. "FIX.4.4:FIXGW->CLIENT1". */
  session: string;
  /** Account; when empty, the text after "->" in `session` (the client's CompID) is used. */
  account?: string;
  clOrdId: string;
  symbol: string;
  side: Side;
  ordType: OrdType;
  /** Default 'Day'. Market orders always behave as IOC. */
  timeInForce?: TimeInForce;
  price?: string;
  stopPx?: string;
  orderQty: string;
  /** GTD expiry, epoch milliseconds (the gateway parses FIX ExpireTime 126). */
  expireTimeMs?: number;
  /** ExecInst 6 (participate don't initiate): rejected if it would take liquidity. */
  postOnly?: boolean;
  /** Minimum quantity that must fill on arrival; only with IOC. */
  minQty?: string;
  /** Iceberg: quantity shown on the book; the rest is hidden and replenished. */
  displayQty?: string;
  /** Overrides the account's default STP mode. */
  stpMode?: StpMode;
}

/** Cancel an order: by `orderId`, or by `origClOrdId` (any ClOrdID of the order's chain) within `session`. */
export interface CancelCommand {
  type: 'Cancel';
  session: string;
  clOrdId: string;
  origClOrdId?: string;
  orderId?: string;
  symbol?: string;
  side?: Side;
}

/** Cancel/replace: new total order quantity and/or price (FIX OrderQty is the new total, not the leaves). */
export interface ReplaceCommand {
  type: 'Replace';
  session: string;
  clOrdId: string;
  origClOrdId?: string;
  orderId?: string;
  symbol?: string;
  side?: Side;
  orderQty: string;
  /** OrdType as the client sent it on the replace; it must equal the order's (a change is rejected). */
  ordType?: OrdType;
  price?: string;
  stopPx?: string;
  displayQty?: string;
}

/** Order status request; answered with an ExecReport (execType 'OrderStatus') in sequence. */
export interface OrderStatusCommand {
  type: 'OrderStatus';
  session: string;
  clOrdId?: string;
  orderId?: string;
  symbol?: string;
  side?: Side;
}

/** Mass cancel; every filter given must match. A `session` filter alone cancels that session's orders. */
export interface MassCancelCommand {
  type: 'MassCancel';
  /** Requesting session (for the report). */
  session: string;
  clOrdId: string;
  filterSession?: string;
  account?: string;
  symbol?: string;
  side?: Side;
}

/** The session went away; its orders are canceled when cancel-on-disconnect is on for it. */
export interface SessionDisconnectedCommand {
  type: 'SessionDisconnected';
  session: string;
  /** Overrides the configured cancel-on-disconnect option for this session. */
  cancelOnDisconnect?: boolean;
}

export interface HaltCommand { type: 'Halt'; symbol: string; text?: string }
export interface ResumeCommand { type: 'Resume'; symbol: string; text?: string }
export interface KillSwitchCommand { type: 'KillSwitch'; account: string; on: boolean }
/** Expires GTD orders whose expireTimeMs ≤ the command's stamped time. */
export interface ExpireSweepCommand { type: 'ExpireSweep' }
/** Expires Day orders (all symbols, or one). */
export interface EndOfDayCommand { type: 'EndOfDay'; symbol?: string }

// ------------------------------------------------ balance commands (accounts.md): journaled, idempotent by refId

/** Credits `amount` of `asset` to the account's available balance. */
export interface DepositCommand {
  type: 'Deposit';
  /** Idempotency key (1..128 chars), one namespace for Deposit, Withdraw and Adjust: the same refId again is
   *  answered with the original result and changes nothing. */
  refId: string;
  account: string;
  asset: string;
  /** Positive decimal string in the asset's units, e.g. "100000.00". */
  amount: string;
  text?: string;
}
/** Debits `amount` from the account's available balance; refused when that is less than the amount. */
export interface WithdrawCommand { type: 'Withdraw'; refId: string; account: string; asset: string; amount: string; text?: string }
/** Operator correction: a signed amount ("-0.50" or "12") added to the available balance; a debit is refused
 *  when the available balance is smaller. */
export interface AdjustCommand { type: 'Adjust'; refId: string; account: string; asset: string; amount: string; text?: string }

export type Command =
  | NewOrderCommand | CancelCommand | ReplaceCommand | OrderStatusCommand | MassCancelCommand
  | SessionDisconnectedCommand | HaltCommand | ResumeCommand | KillSwitchCommand
  | ExpireSweepCommand | EndOfDayCommand
  | DepositCommand | WithdrawCommand | AdjustCommand;

/** A command stamped by the sequencer: the unit of the journal. */
export interface SequencedCommand {
  seq: number;
  /** Epoch milliseconds from the sequencer's injected clock. */
  timeMs: number;
  cmd: Command;
}

// ---------------------------------------------------------------- rejects

/** Machine-readable reject reasons, each with its FIX OrdRejReason(103)/CxlRejReason(102) in REJECT_FIX_CODES. */
export type RejectReason =
  | 'InvalidCommand' | 'UnknownSymbol' | 'UnsupportedOrder' | 'InstrumentHalted' | 'InstrumentClosed'
  | 'InvalidPrice' | 'OffTick' | 'PriceOutOfRange' | 'PriceOutOfBand'
  | 'InvalidQty' | 'NotLotMultiple' | 'QtyOutOfRange' | 'NotionalTooLarge'
  | 'DuplicateClOrdId' | 'UnknownOrder' | 'OrderDone' | 'TooLateExpireTime'
  | 'KillSwitch' | 'MaxOpenOrders' | 'PositionLimit' | 'CreditLimit'
  | 'PostOnlyWouldTake' | 'NoLiquidity' | 'QtyBelowCum' | 'UnknownAccount'
  | 'InsufficientBalance' | 'UnknownAsset' | 'InvalidAmount' | 'BalanceTooLarge' | 'DuplicateRefId';

export const REJECT_FIX_CODES: Readonly<Record<RejectReason, { ordRejReason: number; cxlRejReason: number }>> = {
  InvalidCommand: { ordRejReason: 99, cxlRejReason: 99 },
  UnknownSymbol: { ordRejReason: 1, cxlRejReason: 99 },
  UnsupportedOrder: { ordRejReason: 11, cxlRejReason: 99 },
  InstrumentHalted: { ordRejReason: 2, cxlRejReason: 2 },
  InstrumentClosed: { ordRejReason: 2, cxlRejReason: 2 },
  InvalidPrice: { ordRejReason: 99, cxlRejReason: 99 },
  OffTick: { ordRejReason: 18, cxlRejReason: 99 },
  PriceOutOfRange: { ordRejReason: 3, cxlRejReason: 99 },
  PriceOutOfBand: { ordRejReason: 3, cxlRejReason: 99 },
  InvalidQty: { ordRejReason: 13, cxlRejReason: 99 },
  NotLotMultiple: { ordRejReason: 13, cxlRejReason: 99 },
  QtyOutOfRange: { ordRejReason: 13, cxlRejReason: 99 },
  NotionalTooLarge: { ordRejReason: 3, cxlRejReason: 99 },
  DuplicateClOrdId: { ordRejReason: 6, cxlRejReason: 6 },
  UnknownOrder: { ordRejReason: 5, cxlRejReason: 1 },
  OrderDone: { ordRejReason: 99, cxlRejReason: 0 },
  TooLateExpireTime: { ordRejReason: 4, cxlRejReason: 99 },
  KillSwitch: { ordRejReason: 0, cxlRejReason: 2 },
  MaxOpenOrders: { ordRejReason: 3, cxlRejReason: 2 },
  PositionLimit: { ordRejReason: 3, cxlRejReason: 2 },
  CreditLimit: { ordRejReason: 3, cxlRejReason: 2 },
  PostOnlyWouldTake: { ordRejReason: 0, cxlRejReason: 2 },
  NoLiquidity: { ordRejReason: 0, cxlRejReason: 2 },
  QtyBelowCum: { ordRejReason: 13, cxlRejReason: 2 },
  UnknownAccount: { ordRejReason: 15, cxlRejReason: 99 },
  // a cash account cannot cover what the order could spend: "order exceeds limit", like CreditLimit
  InsufficientBalance: { ordRejReason: 3, cxlRejReason: 2 },
  // balance commands only (never on an order)
  UnknownAsset: { ordRejReason: 99, cxlRejReason: 99 },
  InvalidAmount: { ordRejReason: 99, cxlRejReason: 99 },
  BalanceTooLarge: { ordRejReason: 99, cxlRejReason: 99 },
  DuplicateRefId: { ordRejReason: 99, cxlRejReason: 99 },
};

// ---------------------------------------------------------------- events

export type OrdStatus = 'New' | 'PartiallyFilled' | 'Filled' | 'Canceled' | 'Rejected' | 'Expired';
/**
 * FIX ExecType 150: New 0, Trade F, Canceled 4, Replaced 5, Rejected 8, Expired C, Restated D, OrderStatus I.
 * A stop election is a Restated report with doneReason 'StopTriggered' (FIX 4.4 has no ExecType for it).
 */
export type ExecType = 'New' | 'Trade' | 'Canceled' | 'Replaced' | 'Rejected' | 'Expired' | 'Restated' | 'OrderStatus';
/**
 * Why the order ended other than by a fill, or why the venue restated it, carried on Canceled, Expired and
 * Restated reports (docs/accounts.md "Why the venue canceled your order" maps each to ExecRestatementReason 378
 * and Text 58).
 */
export type DoneReason =
  | 'ClientCancel' | 'IocRemainder' | 'FokUnfilled' | 'MinQtyUnfilled' | 'SelfTradePrevention'
  | 'MassCancel' | 'SessionDisconnect' | 'KillSwitch' | 'CircuitBreaker' | 'MarketProtection'
  | 'GtdExpired' | 'EndOfDay' | 'BookFull' | 'StopTriggered';

/**
 * How a report with a doneReason tells the client why (docs/accounts.md, "Why the venue canceled your order"):
 * ExecRestatementReason(378) for what the venue did on its own initiative (FIX 4.4 allows it on unsolicited
 * cancels as well as on Restated reports; null = not sent), and the Text(58) to send. Values are all in FIX44.xml.
 */
export const DONE_REASON_FIX: Readonly<Record<DoneReason, { execRestatementReason: number | null; text: string | null }>> = {
  ClientCancel: { execRestatementReason: null, text: null },
  IocRemainder: { execRestatementReason: null, text: 'IOC: remainder canceled' },
  FokUnfilled: { execRestatementReason: null, text: 'FOK: could not fill in full' },
  MinQtyUnfilled: { execRestatementReason: null, text: 'MinQty: could not fill on arrival' },
  MassCancel: { execRestatementReason: null, text: 'mass cancel' },
  // on a Canceled report: the venue's option; on a Restated (decrement) report: a partial decline of the quantity
  SelfTradePrevention: { execRestatementReason: 8, text: 'self-trade prevention' },
  SessionDisconnect: { execRestatementReason: 99, text: 'cancel on disconnect' },
  KillSwitch: { execRestatementReason: 8, text: 'kill switch' },
  CircuitBreaker: { execRestatementReason: 6, text: 'circuit breaker: trading halted' },
  MarketProtection: { execRestatementReason: 8, text: 'market order: no more liquidity within the protection limit' },
  BookFull: { execRestatementReason: 8, text: 'book full: no more price levels on this side' },
  GtdExpired: { execRestatementReason: null, text: 'GTD: expire time reached' },
  EndOfDay: { execRestatementReason: null, text: 'end of day: Day order expired' },
  StopTriggered: { execRestatementReason: 99, text: 'stop triggered' },
};
/** ExecRestatementReason(378) of a self-trade prevention decrement (a Restated report): partial decline of OrderQty. */
export const STP_DECREMENT_RESTATEMENT_REASON = 5;

/** Everything an ExecutionReport (35=8) needs. Decimal strings are formatted at the instrument's precision. */
export interface ExecReport {
  kind: 'exec';
  seq: number;
  timeMs: number;
  execId: string;
  execType: ExecType;
  ordStatus: OrdStatus;
  /** Empty string when the order never existed (a rejected NewOrder, an unknown OrderStatus). */
  orderId: string;
  clOrdId: string;
  origClOrdId: string | null;
  session: string;
  account: string;
  symbol: string;
  side: Side | null;
  ordType: OrdType | null;
  timeInForce: TimeInForce | null;
  price: string | null;
  stopPx: string | null;
  orderQty: string;
  cumQty: string;
  leavesQty: string;
  avgPx: string;
  lastQty: string | null;
  lastPx: string | null;
  tradeId: string | null;
  /** Liquidity indicator (FIX 851): 'Added' for the resting side, 'Removed' for the aggressor. */
  liquidity: 'Added' | 'Removed' | null;
  /** The fee this fill cost the order's account (Commission 12, CommType 13 = 3 absolute), in commissionAsset;
   *  on Trade reports only, "0…" when the rate is zero. */
  commission: string | null;
  /** The asset the commission is paid in (the instrument's quote asset; CommCurrency 479). */
  commissionAsset: string | null;
  displayQty: string | null;
  minQty: string | null;
  expireTimeMs: number | null;
  postOnly: boolean;
  rejectReason: RejectReason | null;
  /** FIX OrdRejReason (103) when execType is Rejected. */
  fixOrdRejReason: number | null;
  doneReason: DoneReason | null;
  text: string | null;
}

/** OrderCancelReject (35=9). */
export interface CancelReject {
  kind: 'cancelReject';
  seq: number;
  timeMs: number;
  /** FIX CxlRejResponseTo 434: 1 = cancel, 2 = cancel/replace. */
  responseTo: 'Cancel' | 'Replace';
  session: string;
  clOrdId: string;
  origClOrdId: string | null;
  /** "NONE" per FIX when unknown. */
  orderId: string;
  ordStatus: OrdStatus | null;
  account: string | null;
  symbol: string | null;
  rejectReason: RejectReason;
  fixCxlRejReason: number;
  text: string;
}

/** Answer to a MassCancel (OrderMassCancelReport 35=r). */
export interface MassCancelReport {
  kind: 'massCancel';
  seq: number;
  timeMs: number;
  session: string;
  clOrdId: string;
  canceledCount: number;
  rejectReason: RejectReason | null;
  text: string | null;
}

/** A trade, with both sides. */
export interface TradeEvent {
  kind: 'trade';
  seq: number;
  timeMs: number;
  tradeId: string;
  symbol: string;
  price: string;
  qty: string;
  aggressorSide: Side;
  buyOrderId: string;
  buyClOrdId: string;
  buySession: string;
  buyAccount: string;
  sellOrderId: string;
  sellClOrdId: string;
  sellSession: string;
  sellAccount: string;
}

/** One book level after a change: qty "0"/count 0 means the level is gone. */
export interface LevelDelta { side: Side; price: string; qty: string; count: number }
export interface MdTrade { tradeId: string; price: string; qty: string; aggressorSide: Side }

/** Market data: one message per command per instrument that changed; mdSeq increments by 1 each. */
export interface MarketDataEvent {
  kind: 'md';
  seq: number;
  timeMs: number;
  symbol: string;
  mdSeq: number;
  levels: LevelDelta[];
  trades: MdTrade[];
  /** Set when the trading status changed in this command. */
  status: TradingStatus | null;
}

/** Result of an admin command (Halt, Resume, KillSwitch, ExpireSweep, EndOfDay, SessionDisconnected). */
export interface AdminEvent {
  kind: 'admin';
  seq: number;
  timeMs: number;
  command: Command['type'];
  ok: boolean;
  canceledCount: number;
  text: string;
}

/** Result of a Deposit, Withdraw or Adjust. */
export interface BalanceEvent {
  kind: 'balance';
  seq: number;
  timeMs: number;
  command: 'Deposit' | 'Withdraw' | 'Adjust';
  refId: string;
  account: string;
  asset: string;
  /** The amount as requested, at the asset's precision when it is one (signed for Adjust). */
  amount: string;
  ok: boolean;
  /** True when `refId` was seen before: this is the original result again (nothing changed now). */
  duplicate: boolean;
  /** The seq of the command that produced this result (this command's seq unless duplicate). */
  originalSeq: number;
  /** The account's balance in `asset` right after the original command ("" when account or asset is unknown). */
  available: string;
  reserved: string;
  rejectReason: RejectReason | null;
  text: string | null;
}

export type EngineEvent = ExecReport | CancelReject | MassCancelReport | TradeEvent | MarketDataEvent | AdminEvent | BalanceEvent;

// ---------------------------------------------------------------- account reads (Engine methods; decimal strings)

/** An asset and its precision. */
export interface AssetView { asset: string; decimals: number; displayDecimals: number }

/** One asset of an account: exact decimal strings at the asset's precision. */
export interface BalanceView { asset: string; available: string; reserved: string }

/** An account's position on one instrument; money in the quote asset, exact. */
export interface PositionView {
  symbol: string;
  /** Net quantity: bought minus sold (negative = short). */
  netQty: string;
  /** Cost of the open position (paid for a long, received for a short). */
  cost: string;
  /** cost / |netQty| (exact, or to 10 extra decimals when it does not terminate); null when flat. */
  avgCost: string | null;
  /** Realized P&L before fees. */
  realizedPnl: string;
  /** Fees paid on this instrument. */
  fees: string;
  quoteAsset: string;
}

/** One execution of an order (one side of a trade). */
export interface FillView {
  seq: number;
  timeMs: number;
  execId: string;
  tradeId: string;
  orderId: string;
  /** The order's ClOrdID when it traded. */
  clOrdId: string;
  account: string;
  symbol: string;
  side: Side;
  price: string;
  qty: string;
  liquidity: 'Added' | 'Removed';
  commission: string;
  commissionAsset: string;
}

/** What an account pays on one instrument: fee rates as exact decimal fractions of the notional. */
export interface FeeView { symbol: string; baseAsset: string; quoteAsset: string; feeAsset: string; makerFeeRate: string; takerFeeRate: string }

/** An account's mode and state. */
export interface AccountView { account: string; mode: 'cash' | 'credit'; killSwitch: boolean; openOrders: number; feeAccount: boolean }
