// Deposit, Withdraw and Adjust: the only ways besides trades that balances change. Each carries a reference id; the
// result of every request with a valid refId is remembered (up to limits.balanceRefIdsMax, oldest forgotten first),
// and the same refId again is answered with that original result and changes nothing — the same request, or a
// different one (then refused as DuplicateRefId, so a reused id can never move money twice).
import { BALANCE_UNITS_MAX, type Asset, type EngineConfig } from './config.js';
import { amountText, formatAmount, parseAmount } from './amounts.js';
import { insufficientText, type AccountState } from './risk.js';
import type { AdjustCommand, BalanceEvent, DepositCommand, RejectReason, WithdrawCommand } from './types.js';

export type BalanceCommand = DepositCommand | WithdrawCommand | AdjustCommand;

/** What the engine lends the balance commands: the config and the account table. */
export interface BalanceHost {
  readonly config: EngineConfig;
  /** The account's state, adopted into the table; a reject text when it cannot be (unknown, table full). */
  adoptedAccount(name: string): AccountState | string;
}

const REF_ID_LENGTH_MAX = 128;

/** Remembered results by refId, in the order they were made. */
export class BalanceRefs {
  readonly byRefId = new Map<string, BalanceEvent>();
  private order: string[] = [];
  private head = 0;

  constructor(private readonly max: number) {}

  get(refId: string): BalanceEvent | undefined {
    return this.byRefId.get(refId);
  }

  add(ev: BalanceEvent): void {
    this.byRefId.set(ev.refId, ev);
    this.order.push(ev.refId);
    while (this.order.length - this.head > this.max) this.byRefId.delete(this.order[this.head++]!);
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  /** Remembered results, oldest first. */
  values(): BalanceEvent[] {
    return this.order.slice(this.head).map((id) => this.byRefId.get(id)!);
  }
}

/** Applies one balance command at (seq, timeMs) and returns its result event. */
export function applyBalanceCommand(cmd: BalanceCommand, seq: number, timeMs: number, host: BalanceHost, refs: BalanceRefs): BalanceEvent {
  const ev: BalanceEvent = {
    kind: 'balance', seq, timeMs, command: cmd.type, refId: String(cmd.refId ?? ''), account: String(cmd.account ?? ''),
    asset: String(cmd.asset ?? ''), amount: String(cmd.amount ?? ''), ok: false, duplicate: false, originalSeq: seq,
    available: '', reserved: '', rejectReason: null, text: null,
  };
  if (typeof cmd.refId !== 'string' || cmd.refId.length === 0 || cmd.refId.length > REF_ID_LENGTH_MAX) {
    return refuse(ev, 'InvalidCommand', `refId is required (1..${REF_ID_LENGTH_MAX} chars)`);
  }
  const original = refs.get(cmd.refId);
  if (original !== undefined) {
    if (original.command === ev.command && original.account === ev.account && original.asset === ev.asset && original.amount === ev.amount) {
      return { ...original, seq, timeMs, duplicate: true };
    }
    return refuse(ev, 'DuplicateRefId', `refId ${cmd.refId} was used at seq ${original.originalSeq} for another request (${original.command} ${original.amount} ${original.asset} of ${original.account})`);
  }
  apply(ev, cmd.amount, host);
  refs.add(ev);
  return ev;
}

function refuse(ev: BalanceEvent, reason: RejectReason, text: string): BalanceEvent {
  ev.ok = false;
  ev.rejectReason = reason;
  ev.text = text;
  return ev;
}

/** Validates and applies the request described by `ev`, filling in its outcome. */
function apply(ev: BalanceEvent, amount: unknown, host: BalanceHost): void {
  if (ev.account.length === 0 || ev.account.length > 128) return void refuse(ev, 'InvalidCommand', 'account must be 1..128 chars');
  const asset = host.config.assetByName.get(ev.asset);
  if (asset === undefined) return void refuse(ev, 'UnknownAsset', `unknown asset ${ev.asset} (assets: ${host.config.assets.map((a) => a.name).join(', ')})`);
  const units = parseAmount(amount, asset, ev.command === 'Adjust');
  if (typeof units !== 'number') {
    const what = ev.command === 'Adjust' ? 'a non-zero decimal string (negative to debit)' : 'a positive decimal string';
    return void refuse(ev, 'InvalidAmount', `amount must be ${what} with at most ${asset.step.scale} decimals for ${asset.name}, got ${JSON.stringify(ev.amount)}`);
  }
  const acct = host.adoptedAccount(ev.account);
  if (typeof acct === 'string') return void refuse(ev, 'UnknownAccount', acct);
  const delta = ev.command === 'Withdraw' ? -units : units;
  const available = acct.available[asset.index]!;
  if (delta < 0 && available + delta < 0) {
    refuse(ev, 'InsufficientBalance', insufficientText(asset, -delta, available));
  } else if (available + delta > BALANCE_UNITS_MAX) {
    refuse(ev, 'BalanceTooLarge', `${asset.name} balance would exceed ${formatAmount(BALANCE_UNITS_MAX, asset)}`);
  } else {
    acct.available[asset.index] = available + delta;
    ev.ok = true;
  }
  balancesAfter(ev, acct, asset);
}

function balancesAfter(ev: BalanceEvent, acct: AccountState, asset: Asset): void {
  ev.available = amountText(acct.available[asset.index]!, asset);
  ev.reserved = amountText(acct.reserved[asset.index]!, asset);
}
