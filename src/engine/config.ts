// Engine configuration (instruments, accounts, risk limits): loaded from JSON, validated, converted to integer units.
// Every bad value throws an EngineConfigError naming the file and the key, e.g. "config/engine.json: instruments[2].tickSize: ...".
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Decimal } from 'decimal.js';
import { unitStepOf, toUnits, type UnitStep } from './units.js';
import type { StpMode, TradingStatus } from './types.js';

/** Largest notional (in notional units) one order or one account may carry: sums of two stay exact in a double. */
export const NOTIONAL_UNITS_MAX = 2 ** 52;
/** Accounts kept when limits.accountsMax is not set. */
export const ACCOUNTS_MAX_DEFAULT = 100_000;

export interface InstrumentConfig {
  symbol: string;
  tickSize: string;
  lotSize: string;
  minQty: string;
  maxQty: string;
  minPrice: string;
  maxPrice: string;
  referencePrice: string;
  maxOrderNotional: string;
  /** Reject limit orders priced further than this from the reference (last trade, else configured). 0 = off. */
  priceBandBps: number;
  /** Market orders become limits this far through the best opposite price. */
  marketProtectionBps: number;
  /** Halt when the last price moves more than this within the window. 0 = off. */
  circuitBreakerBps: number;
  circuitBreakerWindowMs: number;
  status?: TradingStatus;
}

export interface AccountConfig {
  maxOpenOrders: number;
  /** Per instrument, in that instrument's quantity; worst case (position + open orders on one side). */
  maxPositionQty: string;
  /** Open orders' notional (quote currency) reserved against this limit. */
  creditLimit: string;
  stpMode: StpMode;
}

export interface EngineConfigFile {
  notionalUnit: string;
  limits: { doneOrdersMax: number; stopOrdersMaxPerInstrument: number; orderBookLevelsMax: number; accountsMax?: number };
  cancelOnDisconnect: { default: boolean; sessions: Record<string, boolean> };
  instruments: InstrumentConfig[];
  accounts: { allowUnknown: boolean; default: AccountConfig; overrides: Record<string, Partial<AccountConfig>> };
}

/** An instrument with every limit in integer units. */
export interface Instrument {
  readonly symbol: string;
  readonly index: number;
  readonly priceStep: UnitStep;
  readonly qtyStep: UnitStep;
  readonly minQtyLots: number;
  readonly maxQtyLots: number;
  readonly minPriceTicks: number;
  readonly maxPriceTicks: number;
  readonly referencePriceTicks: number;
  readonly maxOrderNotionalUnits: number;
  /** notional units per (tick × lot). */
  readonly notionalUnitsPerTickLot: number;
  readonly priceBandBps: number;
  readonly marketProtectionBps: number;
  readonly circuitBreakerBps: number;
  readonly circuitBreakerWindowMs: number;
  readonly initialStatus: TradingStatus;
  readonly config: InstrumentConfig;
}

export interface AccountLimits {
  readonly maxOpenOrders: number;
  readonly creditLimitUnits: number;
  readonly stpMode: StpMode;
  /** maxPositionQty per instrument index, in lots. */
  readonly maxPositionLots: readonly number[];
}

export interface EngineConfig {
  readonly source: string;
  readonly file: EngineConfigFile;
  /** sha256 of the canonical config JSON; snapshots record it. */
  readonly hash: string;
  readonly instruments: readonly Instrument[];
  readonly instrumentBySymbol: ReadonlyMap<string, Instrument>;
  readonly defaultAccount: AccountLimits;
  readonly accountOverrides: ReadonlyMap<string, AccountLimits>;
  readonly allowUnknownAccounts: boolean;
  readonly doneOrdersMax: number;
  readonly stopOrdersMaxPerInstrument: number;
  readonly orderBookLevelsMax: number;
  /** Accounts the engine keeps state for (limits.accountsMax, default ACCOUNTS_MAX_DEFAULT). */
  readonly accountsMax: number;
  readonly cancelOnDisconnectDefault: boolean;
  readonly cancelOnDisconnectSessions: ReadonlyMap<string, boolean>;
}

export class EngineConfigError extends Error {
  override name = 'EngineConfigError';
}

const STP_MODES: readonly StpMode[] = ['None', 'CancelNewest', 'CancelOldest', 'CancelBoth', 'DecrementAndCancel'];
const STATUSES: readonly TradingStatus[] = ['Open', 'Halted', 'Closed'];

/** Reads and validates a config file. */
export function loadEngineConfig(path: string): EngineConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EngineConfigError(`${path}: cannot read engine config: ${(err as Error).message}`);
  }
  return buildEngineConfig(raw, path);
}

/** Validates a parsed config object; `source` names it in errors. */
export function buildEngineConfig(raw: unknown, source = 'engine config'): EngineConfig {
  const fail = (key: string, msg: string): never => { throw new EngineConfigError(`${source}: ${key}: ${msg}`); };
  const obj = (v: unknown, key: string): Record<string, unknown> =>
    (typeof v === 'object' && v !== null && !Array.isArray(v)) ? v as Record<string, unknown> : fail(key, 'expected an object');
  const str = (o: Record<string, unknown>, k: string, key: string): string => {
    const v = o[k];
    return typeof v === 'string' && v.length > 0 ? v : fail(`${key}.${k}`, `expected a non-empty string, got ${JSON.stringify(v)}`);
  };
  const int = (o: Record<string, unknown>, k: string, key: string, min: number, max: number): number => {
    const v = o[k];
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max
      ? v : fail(`${key}.${k}`, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  };
  const bool = (o: Record<string, unknown>, k: string, key: string): boolean => {
    const v = o[k];
    return typeof v === 'boolean' ? v : fail(`${key}.${k}`, `expected true or false, got ${JSON.stringify(v)}`);
  };
  const step = (o: Record<string, unknown>, k: string, key: string): UnitStep => {
    const text = str(o, k, key);
    try { return unitStepOf(text); } catch (err) { return fail(`${key}.${k}`, (err as Error).message); }
  };
  const units = (o: Record<string, unknown>, k: string, key: string, s: UnitStep, min: number): number => {
    const text = str(o, k, key);
    const u = toUnits(text, s);
    if (typeof u !== 'number') return fail(`${key}.${k}`, `"${text}" is ${u} for step ${s.text}`);
    if (u < min) return fail(`${key}.${k}`, `"${text}" must be at least ${min} step(s) of ${s.text}`);
    return u;
  };

  const root = obj(raw, '(root)');
  const notionalStep = step(root, 'notionalUnit', '(root)');
  const limits = obj(root.limits, 'limits');
  const doneOrdersMax = int(limits, 'doneOrdersMax', 'limits', 1, 10_000_000);
  const stopOrdersMaxPerInstrument = int(limits, 'stopOrdersMaxPerInstrument', 'limits', 0, 1_000_000);
  const orderBookLevelsMax = int(limits, 'orderBookLevelsMax', 'limits', 1, 10_000_000);
  const accountsMax = limits.accountsMax === undefined ? ACCOUNTS_MAX_DEFAULT : int(limits, 'accountsMax', 'limits', 1, 10_000_000);
  const cod = obj(root.cancelOnDisconnect, 'cancelOnDisconnect');
  const codDefault = bool(cod, 'default', 'cancelOnDisconnect');
  const codSessions = new Map<string, boolean>();
  const codSessionsObj = obj(cod.sessions ?? {}, 'cancelOnDisconnect.sessions');
  for (const k of Object.keys(codSessionsObj)) codSessions.set(k, bool(codSessionsObj, k, 'cancelOnDisconnect.sessions'));

  if (!Array.isArray(root.instruments) || root.instruments.length === 0) fail('instruments', 'expected a non-empty array');
  const instruments: Instrument[] = [];
  const bySymbol = new Map<string, Instrument>();
  (root.instruments as unknown[]).forEach((rawInst, index) => {
    const key = `instruments[${index}]`;
    const o = obj(rawInst, key);
    const symbol = str(o, 'symbol', key);
    if (bySymbol.has(symbol)) fail(`${key}.symbol`, `duplicate symbol ${symbol}`);
    const priceStep = step(o, 'tickSize', key);
    const qtyStep = step(o, 'lotSize', key);
    const minQtyLots = units(o, 'minQty', key, qtyStep, 1);
    const maxQtyLots = units(o, 'maxQty', key, qtyStep, minQtyLots);
    const minPriceTicks = units(o, 'minPrice', key, priceStep, 1);
    const maxPriceTicks = units(o, 'maxPrice', key, priceStep, minPriceTicks);
    const referencePriceTicks = units(o, 'referencePrice', key, priceStep, minPriceTicks);
    if (referencePriceTicks > maxPriceTicks) fail(`${key}.referencePrice`, 'above maxPrice');
    if (maxPriceTicks * maxQtyLots > Number.MAX_SAFE_INTEGER) {
      fail(`${key}.maxPrice`, `maxPrice/tickSize × maxQty/lotSize must stay below 2^53 (is ${maxPriceTicks} × ${maxQtyLots})`);
    }
    if (maxPriceTicks * 20000 > Number.MAX_SAFE_INTEGER) fail(`${key}.maxPrice`, 'too many ticks');
    const perTickLot = new Decimal(priceStep.text).mul(qtyStep.text).div(notionalStep.text);
    if (!perTickLot.isInteger()) fail(`${key}.tickSize`, `tickSize × lotSize must be a multiple of notionalUnit ${notionalStep.text}`);
    const notionalUnitsPerTickLot = perTickLot.toNumber();
    const maxOrderNotionalUnits = units(o, 'maxOrderNotional', key, notionalStep, 1);
    if (maxOrderNotionalUnits > NOTIONAL_UNITS_MAX) fail(`${key}.maxOrderNotional`, `above 2^52 notional units of ${notionalStep.text}`);
    const status = o.status === undefined ? 'Open' : o.status;
    if (!STATUSES.includes(status as TradingStatus)) fail(`${key}.status`, `expected one of ${STATUSES.join(', ')}`);
    const inst: Instrument = {
      symbol, index, priceStep, qtyStep, minQtyLots, maxQtyLots, minPriceTicks, maxPriceTicks, referencePriceTicks,
      maxOrderNotionalUnits, notionalUnitsPerTickLot,
      priceBandBps: int(o, 'priceBandBps', key, 0, 1_000_000),
      marketProtectionBps: int(o, 'marketProtectionBps', key, 0, 10_000),
      circuitBreakerBps: int(o, 'circuitBreakerBps', key, 0, 1_000_000),
      circuitBreakerWindowMs: int(o, 'circuitBreakerWindowMs', key, 0, 86_400_000 * 7),
      initialStatus: status as TradingStatus,
      config: o as unknown as InstrumentConfig,
    };
    instruments.push(inst);
    bySymbol.set(symbol, inst);
  });

  const accounts = obj(root.accounts, 'accounts');
  const allowUnknownAccounts = bool(accounts, 'allowUnknown', 'accounts');
  const accountLimits = (a: Record<string, unknown>, key: string): AccountLimits => {
    const stpMode = a.stpMode;
    if (!STP_MODES.includes(stpMode as StpMode)) fail(`${key}.stpMode`, `expected one of ${STP_MODES.join(', ')}`);
    const creditLimitUnits = units(a, 'creditLimit', key, notionalStep, 0);
    if (creditLimitUnits > NOTIONAL_UNITS_MAX) fail(`${key}.creditLimit`, `above 2^52 notional units of ${notionalStep.text}`);
    const maxPositionLots = instruments.map((inst) => {
      const lots = units(a, 'maxPositionQty', key, inst.qtyStep, 0);
      if (lots > NOTIONAL_UNITS_MAX) fail(`${key}.maxPositionQty`, `too large for ${inst.symbol}`);
      return lots;
    });
    return { maxOpenOrders: int(a, 'maxOpenOrders', key, 0, 10_000_000), creditLimitUnits, stpMode: stpMode as StpMode, maxPositionLots };
  };
  const defaultObj = obj(accounts.default, 'accounts.default');
  const defaultAccount = accountLimits(defaultObj, 'accounts.default');
  const overrides = new Map<string, AccountLimits>();
  const overridesObj = obj(accounts.overrides ?? {}, 'accounts.overrides');
  for (const name of Object.keys(overridesObj)) {
    const key = `accounts.overrides.${name}`;
    overrides.set(name, accountLimits({ ...defaultObj, ...obj(overridesObj[name], key) }, key));
  }

  const file = root as unknown as EngineConfigFile;
  return {
    source, file,
    hash: createHash('sha256').update(JSON.stringify(file)).digest('hex'),
    instruments, instrumentBySymbol: bySymbol, defaultAccount, accountOverrides: overrides, allowUnknownAccounts,
    doneOrdersMax, stopOrdersMaxPerInstrument, orderBookLevelsMax, accountsMax,
    cancelOnDisconnectDefault: codDefault, cancelOnDisconnectSessions: codSessions,
  };
}

/** The repository's default config file (config/engine.json), relative to this module in dist/ or src/. */
export function defaultEngineConfigPath(): string {
  return fileURLToPath(new URL('../../../config/engine.json', import.meta.url));
}
