// Engine configuration (assets, instruments, accounts, fees, risk limits): loaded from JSON, validated, converted to
// integer units. Every bad value throws an EngineConfigError naming the file and the key, e.g.
// "config/engine.json: instruments[2].tickSize: ...", and so does every key the engine does not know (a typo must not
// silently mean "off"). Prices, quantities, amounts and rates are decimal strings: a JSON number is refused, because
// binary floating point cannot hold most decimals exactly.
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
/** Executions kept for fill reads when limits.fillHistoryMax is not set. */
export const FILL_HISTORY_MAX_DEFAULT = 50_000;
/** Balance-command reference ids remembered when limits.balanceRefIdsMax is not set. */
export const BALANCE_REF_IDS_MAX_DEFAULT = 100_000;
/** Largest balance (in units of its asset) a deposit, adjust or configured balance may create. */
export const BALANCE_UNITS_MAX = 2 ** 52;
/** Fee rates are integers over this scale (at most 8 decimal places: 0.0001 = 1 bp = 10,000). */
export const FEE_RATE_SCALE = 100_000_000;
/** Highest fee rate accepted (10 % of the notional): keeps every fee below the proceeds it is taken from. */
const FEE_RATE_MAX = FEE_RATE_SCALE / 10;
/** The fee account's name when accounts.feeAccount is not set. */
export const FEE_ACCOUNT_DEFAULT = 'FEES';

export interface AssetConfig {
  /** Precision: balances are whole units of 10^-decimals. */
  decimals: number;
  /** Decimals shown at least in texts for people (reject reasons); default `decimals`. Values stay exact. */
  displayDecimals?: number;
}

export interface InstrumentConfig {
  symbol: string;
  /** The asset bought and sold (e.g. BTC, or the share itself: AAPL). */
  baseAsset: string;
  /** The asset prices are in and fees are paid in (e.g. USD). */
  quoteAsset: string;
  tickSize: string;
  lotSize: string;
  minQty: string;
  maxQty: string;
  minPrice: string;
  maxPrice: string;
  referencePrice: string;
  maxOrderNotional: string;
  /** Fee rates as exact decimal fractions of the notional ("0.0001" = 1 bp); default "0". */
  makerFeeRate?: string;
  takerFeeRate?: string;
  /** Reject limit orders priced further than this from the reference (last trade, else configured). 0 = off. */
  priceBandBps: number;
  /** Market orders become limits this far through the best opposite price. */
  marketProtectionBps: number;
  /** Halt when the last price moves more than this within the window. 0 = off. */
  circuitBreakerBps: number;
  circuitBreakerWindowMs: number;
  status?: TradingStatus;
}

export type AccountMode = 'cash' | 'credit';

export interface AccountConfig {
  /** 'cash': orders are checked against balances; 'credit' (default): against creditLimit. */
  mode?: AccountMode;
  maxOpenOrders: number;
  /** Per instrument, in that instrument's quantity; worst case (position + open orders on one side). */
  maxPositionQty: string;
  /** Credit accounts: open orders' notional (in notionalUnit) reserved against this limit. */
  creditLimit: string;
  stpMode: StpMode;
  /** Fee rates for every instrument, overriding the instruments' own. */
  makerFeeRate?: string;
  takerFeeRate?: string;
  /** Fee rates per instrument symbol, overriding the two above. */
  feeRates?: Record<string, { makerFeeRate?: string; takerFeeRate?: string }>;
  /** Initial balances by asset (accounts.overrides only). */
  balances?: Record<string, string>;
}

export interface EngineConfigFile {
  notionalUnit: string;
  limits: {
    doneOrdersMax: number; stopOrdersMaxPerInstrument: number; orderBookLevelsMax: number; accountsMax?: number;
    fillHistoryMax?: number; balanceRefIdsMax?: number;
  };
  cancelOnDisconnect: { default: boolean; sessions: Record<string, boolean> };
  assets: Record<string, AssetConfig>;
  instruments: InstrumentConfig[];
  accounts: {
    allowUnknown: boolean; feeAccount?: string; default: AccountConfig; overrides: Record<string, Partial<AccountConfig>>;
  };
}

/** An asset with its precision. */
export interface Asset {
  readonly name: string;
  readonly index: number;
  /** One unit of the asset: 10^-decimals. */
  readonly step: UnitStep;
  readonly displayDecimals: number;
}

/** An instrument with every limit in integer units. */
export interface Instrument {
  readonly symbol: string;
  readonly index: number;
  readonly base: Asset;
  readonly quote: Asset;
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
  /** Units of the base asset per lot. */
  readonly baseUnitsPerLot: number;
  /** Units of the quote asset per (tick × lot): a trade's value is priceTicks × lots × this, exactly. */
  readonly quoteUnitsPerTickLot: number;
  /** Fee rates over FEE_RATE_SCALE. */
  readonly makerFeeRate: number;
  readonly takerFeeRate: number;
  readonly priceBandBps: number;
  readonly marketProtectionBps: number;
  readonly circuitBreakerBps: number;
  readonly circuitBreakerWindowMs: number;
  readonly initialStatus: TradingStatus;
  readonly config: InstrumentConfig;
}

export interface AccountLimits {
  readonly mode: AccountMode;
  readonly maxOpenOrders: number;
  readonly creditLimitUnits: number;
  readonly stpMode: StpMode;
  /** maxPositionQty per instrument index, in lots. */
  readonly maxPositionLots: readonly number[];
  /** Fee rates over FEE_RATE_SCALE per instrument index (the instrument's, or the account's overrides). */
  readonly makerFeeRates: readonly number[];
  readonly takerFeeRates: readonly number[];
  /** Initial balances per asset index in units, or null when none are configured. */
  readonly initialBalances: readonly number[] | null;
}

export interface EngineConfig {
  readonly source: string;
  readonly file: EngineConfigFile;
  /** sha256 of the canonical config JSON; snapshots record it. */
  readonly hash: string;
  readonly assets: readonly Asset[];
  readonly assetByName: ReadonlyMap<string, Asset>;
  readonly instruments: readonly Instrument[];
  readonly instrumentBySymbol: ReadonlyMap<string, Instrument>;
  readonly defaultAccount: AccountLimits;
  readonly accountOverrides: ReadonlyMap<string, AccountLimits>;
  readonly allowUnknownAccounts: boolean;
  /** The account fees are paid to; it cannot trade. */
  readonly feeAccount: string;
  readonly doneOrdersMax: number;
  readonly stopOrdersMaxPerInstrument: number;
  readonly orderBookLevelsMax: number;
  /** Accounts the engine keeps state for (limits.accountsMax, default ACCOUNTS_MAX_DEFAULT). */
  readonly accountsMax: number;
  /** Executions kept for fill reads (limits.fillHistoryMax), oldest forgotten first. */
  readonly fillHistoryMax: number;
  /** Balance-command reference ids remembered for idempotency (limits.balanceRefIdsMax), oldest forgotten first. */
  readonly balanceRefIdsMax: number;
  readonly cancelOnDisconnectDefault: boolean;
  readonly cancelOnDisconnectSessions: ReadonlyMap<string, boolean>;
}

export class EngineConfigError extends Error {
  override name = 'EngineConfigError';
}

const STP_MODES: readonly StpMode[] = ['None', 'CancelNewest', 'CancelOldest', 'CancelBoth', 'DecrementAndCancel'];
const STATUSES: readonly TradingStatus[] = ['Open', 'Halted', 'Closed'];
const MODES: readonly AccountMode[] = ['cash', 'credit'];

const ROOT_KEYS = ['notionalUnit', 'limits', 'cancelOnDisconnect', 'assets', 'instruments', 'accounts'];
const LIMIT_KEYS = ['doneOrdersMax', 'stopOrdersMaxPerInstrument', 'orderBookLevelsMax', 'accountsMax', 'fillHistoryMax', 'balanceRefIdsMax'];
const ASSET_KEYS = ['decimals', 'displayDecimals'];
const INSTRUMENT_KEYS = [
  'symbol', 'baseAsset', 'quoteAsset', 'tickSize', 'lotSize', 'minQty', 'maxQty', 'minPrice', 'maxPrice', 'referencePrice',
  'maxOrderNotional', 'makerFeeRate', 'takerFeeRate', 'priceBandBps', 'marketProtectionBps', 'circuitBreakerBps',
  'circuitBreakerWindowMs', 'status',
];
const ACCOUNTS_KEYS = ['allowUnknown', 'feeAccount', 'default', 'overrides'];
const ACCOUNT_KEYS = ['mode', 'maxOpenOrders', 'maxPositionQty', 'creditLimit', 'stpMode', 'makerFeeRate', 'takerFeeRate', 'feeRates', 'balances'];
const FEE_RATE_KEYS = ['makerFeeRate', 'takerFeeRate'];

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
  const r = new Reader(source);
  const root = r.obj(raw, '(root)', ROOT_KEYS);
  const notionalStep = r.step(root, 'notionalUnit', '(root)', '0.000001');
  const limits = r.obj(root.limits, 'limits', LIMIT_KEYS);
  const optionalInt = (k: string, min: number, max: number, dflt: number): number => limits[k] === undefined ? dflt : r.int(limits, k, 'limits', min, max);
  const cod = r.obj(root.cancelOnDisconnect, 'cancelOnDisconnect', ['default', 'sessions']);
  const codSessions = new Map<string, boolean>();
  const codSessionsObj = r.obj(cod.sessions ?? {}, 'cancelOnDisconnect.sessions');
  for (const k of Object.keys(codSessionsObj)) codSessions.set(k, r.bool(codSessionsObj, k, 'cancelOnDisconnect.sessions'));
  const assets = readAssets(r, root.assets);
  const assetByName = new Map(assets.map((a) => [a.name, a]));
  const instruments = readInstruments(r, root.instruments, assetByName, notionalStep);
  const accounts = readAccounts(r, root.accounts, instruments, assetByName, notionalStep);
  const accountsMax = optionalInt('accountsMax', 1, 10_000_000, ACCOUNTS_MAX_DEFAULT);
  if (accounts.eagerCount + 1 > accountsMax) r.fail('limits.accountsMax', `below the ${accounts.eagerCount + 1} accounts with configured balances and the fee account`);

  const file = root as unknown as EngineConfigFile;
  return {
    source, file,
    hash: createHash('sha256').update(JSON.stringify(file)).digest('hex'),
    assets, assetByName, instruments, instrumentBySymbol: new Map(instruments.map((i) => [i.symbol, i])),
    defaultAccount: accounts.defaultAccount, accountOverrides: accounts.overrides, allowUnknownAccounts: accounts.allowUnknown,
    feeAccount: accounts.feeAccount,
    doneOrdersMax: r.int(limits, 'doneOrdersMax', 'limits', 1, 10_000_000),
    stopOrdersMaxPerInstrument: r.int(limits, 'stopOrdersMaxPerInstrument', 'limits', 0, 1_000_000),
    orderBookLevelsMax: r.int(limits, 'orderBookLevelsMax', 'limits', 1, 10_000_000),
    accountsMax,
    fillHistoryMax: optionalInt('fillHistoryMax', 0, 10_000_000, FILL_HISTORY_MAX_DEFAULT),
    balanceRefIdsMax: optionalInt('balanceRefIdsMax', 1, 10_000_000, BALANCE_REF_IDS_MAX_DEFAULT),
    cancelOnDisconnectDefault: r.bool(cod, 'default', 'cancelOnDisconnect'), cancelOnDisconnectSessions: codSessions,
  };
}

function readAssets(r: Reader, raw: unknown): Asset[] {
  const o = r.obj(raw, 'assets');
  const names = Object.keys(o);
  if (names.length === 0) r.fail('assets', 'expected at least one asset, e.g. {"USD": {"decimals": 6, "displayDecimals": 2}}');
  return names.map((name, index) => {
    const key = `assets.${name}`;
    if (!isName(name)) r.fail(key, 'an asset name is 1..16 letters, digits, "_" or "-"');
    const a = r.obj(o[name], key, ASSET_KEYS);
    const decimals = r.int(a, 'decimals', key, 0, 15);
    const displayDecimals = a.displayDecimals === undefined ? decimals : r.int(a, 'displayDecimals', key, 0, decimals);
    return { name, index, step: unitStepOf(decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`), displayDecimals };
  });
}

function isName(s: string): boolean {
  return /^[A-Za-z0-9_-]{1,16}$/.test(s);
}

function readInstruments(r: Reader, raw: unknown, assets: ReadonlyMap<string, Asset>, notionalStep: UnitStep): Instrument[] {
  if (!Array.isArray(raw) || raw.length === 0) r.fail('instruments', 'expected a non-empty array');
  const instruments: Instrument[] = [];
  const seen = new Set<string>();
  (raw as unknown[]).forEach((rawInst, index) => {
    const key = `instruments[${index}]`;
    const o = r.obj(rawInst, key, INSTRUMENT_KEYS);
    const symbol = r.str(o, 'symbol', key);
    if (seen.has(symbol)) r.fail(`${key}.symbol`, `duplicate symbol ${symbol}`);
    seen.add(symbol);
    instruments.push(readInstrument(r, o, key, symbol, index, assets, notionalStep));
  });
  return instruments;
}

function readInstrument(r: Reader, o: Record<string, unknown>, key: string, symbol: string, index: number,
  assets: ReadonlyMap<string, Asset>, notionalStep: UnitStep): Instrument {
  const priceStep = r.step(o, 'tickSize', key, '0.01');
  const qtyStep = r.step(o, 'lotSize', key, '1');
  const minQtyLots = r.units(o, 'minQty', key, qtyStep, 1);
  const maxQtyLots = r.units(o, 'maxQty', key, qtyStep, minQtyLots);
  const priceExample = priceStep.scale === 0 ? '190' : `190.${'0'.repeat(priceStep.scale)}`;
  const minPriceTicks = r.units(o, 'minPrice', key, priceStep, 1, priceExample);
  const maxPriceTicks = r.units(o, 'maxPrice', key, priceStep, minPriceTicks, priceExample);
  const referencePriceTicks = r.units(o, 'referencePrice', key, priceStep, minPriceTicks, priceExample);
  if (referencePriceTicks > maxPriceTicks) r.fail(`${key}.referencePrice`, 'above maxPrice');
  if (maxPriceTicks * maxQtyLots > Number.MAX_SAFE_INTEGER) {
    r.fail(`${key}.maxPrice`, `maxPrice/tickSize × maxQty/lotSize must stay below 2^53 (is ${maxPriceTicks} × ${maxQtyLots})`);
  }
  if (maxPriceTicks * 20000 > Number.MAX_SAFE_INTEGER) r.fail(`${key}.maxPrice`, 'too many ticks');
  const perTickLot = new Decimal(priceStep.text).mul(qtyStep.text).div(notionalStep.text);
  if (!perTickLot.isInteger()) r.fail(`${key}.tickSize`, `tickSize × lotSize must be a multiple of notionalUnit ${notionalStep.text}`);
  const maxOrderNotionalUnits = r.units(o, 'maxOrderNotional', key, notionalStep, 1);
  if (maxOrderNotionalUnits > NOTIONAL_UNITS_MAX) r.fail(`${key}.maxOrderNotional`, `above 2^52 notional units of ${notionalStep.text}`);
  const status = o.status === undefined ? 'Open' : o.status;
  if (!STATUSES.includes(status as TradingStatus)) r.fail(`${key}.status`, `expected one of ${STATUSES.join(', ')}`);
  const { base, quote, baseUnitsPerLot, quoteUnitsPerTickLot } = readInstrumentAssets(r, o, key, assets, priceStep, qtyStep, maxPriceTicks, maxQtyLots);
  const maxNotionalQuote = new Decimal(o.maxOrderNotional as string).div(quote.step.text);
  if (maxNotionalQuote.gt(NOTIONAL_UNITS_MAX)) r.fail(`${key}.maxOrderNotional`, `above 2^52 units of ${quote.name} (${quote.step.text})`);
  return {
    symbol, index, base, quote, priceStep, qtyStep, minQtyLots, maxQtyLots, minPriceTicks, maxPriceTicks, referencePriceTicks,
    maxOrderNotionalUnits, notionalUnitsPerTickLot: perTickLot.toNumber(), baseUnitsPerLot, quoteUnitsPerTickLot,
    makerFeeRate: o.makerFeeRate === undefined ? 0 : r.feeRate(o, 'makerFeeRate', key),
    takerFeeRate: o.takerFeeRate === undefined ? 0 : r.feeRate(o, 'takerFeeRate', key),
    priceBandBps: r.int(o, 'priceBandBps', key, 0, 1_000_000),
    marketProtectionBps: r.int(o, 'marketProtectionBps', key, 0, 10_000),
    circuitBreakerBps: r.int(o, 'circuitBreakerBps', key, 0, 1_000_000),
    circuitBreakerWindowMs: r.int(o, 'circuitBreakerWindowMs', key, 0, 86_400_000 * 7),
    initialStatus: status as TradingStatus,
    config: o as unknown as InstrumentConfig,
  };
}

/** The instrument's base and quote assets, and the exact conversions of lots and ticks × lots into their units. */
function readInstrumentAssets(r: Reader, o: Record<string, unknown>, key: string, assets: ReadonlyMap<string, Asset>,
  priceStep: UnitStep, qtyStep: UnitStep, maxPriceTicks: number, maxQtyLots: number) {
  const assetOf = (k: string): Asset => {
    const name = r.str(o, k, key);
    return assets.get(name) ?? r.fail(`${key}.${k}`, `unknown asset ${name} (assets: ${[...assets.keys()].join(', ')})`);
  };
  const base = assetOf('baseAsset');
  const quote = assetOf('quoteAsset');
  if (base === quote) r.fail(`${key}.quoteAsset`, 'the same asset as baseAsset');
  const perLot = new Decimal(qtyStep.text).div(base.step.text);
  if (!perLot.isInteger()) r.fail(`${key}.lotSize`, `lotSize must be a multiple of ${base.name}'s precision ${base.step.text}`);
  const perTickLot = new Decimal(priceStep.text).mul(qtyStep.text).div(quote.step.text);
  if (!perTickLot.isInteger()) {
    r.fail(`${key}.tickSize`, `tickSize × lotSize (${new Decimal(priceStep.text).mul(qtyStep.text).toFixed()}) must be a multiple of ${quote.name}'s precision ${quote.step.text}: a trade's value must be a whole number of ${quote.name} units`);
  }
  if (perLot.mul(maxQtyLots).gt(NOTIONAL_UNITS_MAX)) r.fail(`${key}.maxQty`, `above 2^52 units of ${base.name}`);
  if (perTickLot.mul(maxPriceTicks).gt(NOTIONAL_UNITS_MAX)) r.fail(`${key}.maxPrice`, `one lot at maxPrice is above 2^52 units of ${quote.name}`);
  return { base, quote, baseUnitsPerLot: perLot.toNumber(), quoteUnitsPerTickLot: perTickLot.toNumber() };
}

function readAccounts(r: Reader, raw: unknown, instruments: readonly Instrument[], assets: ReadonlyMap<string, Asset>, notionalStep: UnitStep) {
  const accounts = r.obj(raw, 'accounts', ACCOUNTS_KEYS);
  const allowUnknown = r.bool(accounts, 'allowUnknown', 'accounts');
  const feeAccount = accounts.feeAccount === undefined ? FEE_ACCOUNT_DEFAULT : r.str(accounts, 'feeAccount', 'accounts');
  if (feeAccount.length > 128) r.fail('accounts.feeAccount', 'longer than 128 characters');
  const defaultObj = r.obj(accounts.default, 'accounts.default', ACCOUNT_KEYS);
  if (defaultObj.balances !== undefined) r.fail('accounts.default.balances', 'balances are per account: put them under accounts.overrides.NAME.balances');
  const defaultAccount = readAccountLimits(r, defaultObj, 'accounts.default', instruments, assets, notionalStep);
  const overrides = new Map<string, AccountLimits>();
  const overridesObj = r.obj(accounts.overrides ?? {}, 'accounts.overrides');
  let eagerCount = 0;
  for (const name of Object.keys(overridesObj)) {
    const key = `accounts.overrides.${name}`;
    const limits = readAccountLimits(r, { ...defaultObj, ...r.obj(overridesObj[name], key, ACCOUNT_KEYS) }, key, instruments, assets, notionalStep);
    if (limits.initialBalances !== null && name !== feeAccount) eagerCount++;
    overrides.set(name, limits);
  }
  return { allowUnknown, feeAccount, defaultAccount, overrides, eagerCount };
}

function readAccountLimits(r: Reader, a: Record<string, unknown>, key: string, instruments: readonly Instrument[],
  assets: ReadonlyMap<string, Asset>, notionalStep: UnitStep): AccountLimits {
  const mode = a.mode === undefined ? 'credit' : a.mode;
  if (!MODES.includes(mode as AccountMode)) r.fail(`${key}.mode`, `expected "cash" or "credit", got ${JSON.stringify(mode)}`);
  const stpMode = a.stpMode;
  if (!STP_MODES.includes(stpMode as StpMode)) r.fail(`${key}.stpMode`, `expected one of ${STP_MODES.join(', ')}`);
  const creditLimitUnits = r.units(a, 'creditLimit', key, notionalStep, 0);
  if (creditLimitUnits > NOTIONAL_UNITS_MAX) r.fail(`${key}.creditLimit`, `above 2^52 notional units of ${notionalStep.text}`);
  const maxPositionLots = instruments.map((inst) => {
    const lots = r.units(a, 'maxPositionQty', key, inst.qtyStep, 0);
    if (lots > NOTIONAL_UNITS_MAX) r.fail(`${key}.maxPositionQty`, `too large for ${inst.symbol}`);
    return lots;
  });
  const rates = readAccountFeeRates(r, a, key, instruments);
  return {
    mode: mode as AccountMode, maxOpenOrders: r.int(a, 'maxOpenOrders', key, 0, 10_000_000), creditLimitUnits, stpMode: stpMode as StpMode,
    maxPositionLots, makerFeeRates: rates.maker, takerFeeRates: rates.taker,
    initialBalances: a.balances === undefined ? null : readBalances(r, a.balances, `${key}.balances`, assets),
  };
}

/** Per instrument: feeRates[symbol] before the account's own rates before the instrument's. */
function readAccountFeeRates(r: Reader, a: Record<string, unknown>, key: string, instruments: readonly Instrument[]) {
  const maker = a.makerFeeRate === undefined ? null : r.feeRate(a, 'makerFeeRate', key);
  const taker = a.takerFeeRate === undefined ? null : r.feeRate(a, 'takerFeeRate', key);
  const per = r.obj(a.feeRates ?? {}, `${key}.feeRates`);
  for (const symbol of Object.keys(per)) {
    if (!instruments.some((i) => i.symbol === symbol)) r.fail(`${key}.feeRates.${symbol}`, 'unknown symbol');
    r.obj(per[symbol], `${key}.feeRates.${symbol}`, FEE_RATE_KEYS);
  }
  const rateOf = (inst: Instrument, k: 'makerFeeRate' | 'takerFeeRate', account: number | null, own: number): number => {
    const p = per[inst.symbol] as Record<string, unknown> | undefined;
    if (p !== undefined && p[k] !== undefined) return r.feeRate(p, k, `${key}.feeRates.${inst.symbol}`);
    return account ?? own;
  };
  return {
    maker: instruments.map((i) => rateOf(i, 'makerFeeRate', maker, i.makerFeeRate)),
    taker: instruments.map((i) => rateOf(i, 'takerFeeRate', taker, i.takerFeeRate)),
  };
}

function readBalances(r: Reader, raw: unknown, key: string, assets: ReadonlyMap<string, Asset>): number[] {
  const o = r.obj(raw, key);
  const balances = new Array<number>(assets.size).fill(0);
  for (const name of Object.keys(o)) {
    const asset = assets.get(name) ?? r.fail(`${key}.${name}`, `unknown asset (assets: ${[...assets.keys()].join(', ')})`);
    const units = r.units(o, name, key, asset.step, 0, '100000');
    if (units > BALANCE_UNITS_MAX) r.fail(`${key}.${name}`, `above 2^52 units of ${asset.step.text}`);
    balances[asset.index] = units;
  }
  return balances;
}

/** Typed reads of one config object, each failing with the file, the key and what was expected. */
class Reader {
  constructor(private readonly source: string) {}

  fail(key: string, msg: string): never {
    throw new EngineConfigError(`${this.source}: ${key}: ${msg}`);
  }

  /** An object; with `keys`, any other key is an error (naming the closest known one). */
  obj(v: unknown, key: string, keys?: readonly string[]): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.fail(key, 'expected an object');
    const o = v as Record<string, unknown>;
    if (keys !== undefined) {
      for (const k of Object.keys(o)) {
        if (keys.includes(k)) continue;
        const near = closest(k, keys);
        this.fail(key === '(root)' ? k : `${key}.${k}`, `unknown key${near === null ? '' : ` (did you mean ${near}?)`}; known keys: ${keys.join(', ')}`);
      }
    }
    return o;
  }

  str(o: Record<string, unknown>, k: string, key: string): string {
    const v = o[k];
    return typeof v === 'string' && v.length > 0 ? v : this.fail(`${key}.${k}`, `expected a non-empty string, got ${JSON.stringify(v)}`);
  }

  /** A decimal string; a number gets the reason it must be a string. */
  decimal(o: Record<string, unknown>, k: string, key: string, example: string): string {
    const v = o[k];
    if (typeof v === 'number') {
      this.fail(`${key}.${k}`, `must be a decimal string such as "${example}", got the number ${JSON.stringify(v)}: numbers lose exactness (JSON numbers are binary floating point, in which 0.1 + 0.2 is not 0.3)`);
    }
    return this.str(o, k, key);
  }

  int(o: Record<string, unknown>, k: string, key: string, min: number, max: number): number {
    const v = o[k];
    if (typeof v === 'string') this.fail(`${key}.${k}`, `expected an integer in [${min}, ${max}] as a JSON number (no quotes), got the string ${JSON.stringify(v)}`);
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max
      ? v : this.fail(`${key}.${k}`, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }

  bool(o: Record<string, unknown>, k: string, key: string): boolean {
    const v = o[k];
    return typeof v === 'boolean' ? v : this.fail(`${key}.${k}`, `expected true or false, got ${JSON.stringify(v)}`);
  }

  step(o: Record<string, unknown>, k: string, key: string, example: string): UnitStep {
    const text = this.decimal(o, k, key, example);
    try { return unitStepOf(text); } catch (err) { return this.fail(`${key}.${k}`, (err as Error).message); }
  }

  units(o: Record<string, unknown>, k: string, key: string, s: UnitStep, min: number, example = s.text): number {
    const text = this.decimal(o, k, key, example);
    const u = toUnits(text, s);
    if (typeof u !== 'number') return this.fail(`${key}.${k}`, `"${text}" is ${u} for step ${s.text}`);
    if (u < min) return this.fail(`${key}.${k}`, `"${text}" must be at least ${min} step(s) of ${s.text}`);
    return u;
  }

  /** A fee rate: a decimal fraction of the notional with at most 8 decimals, in [0, 0.1]. */
  feeRate(o: Record<string, unknown>, k: string, key: string): number {
    const text = this.decimal(o, k, key, '0.0010');
    const u = toUnits(text, FEE_RATE_STEP);
    if (u === 'off-step') return this.fail(`${key}.${k}`, `"${text}" has more than 8 decimal places`);
    if (typeof u !== 'number' || u > FEE_RATE_MAX) return this.fail(`${key}.${k}`, `expected a rate in [0, 0.1] such as "0.0010" (10 bp), got "${text}"`);
    return u;
  }
}

const FEE_RATE_STEP = unitStepOf('0.00000001');

/** The known key nearest to `k` (same letters in another case, or at most two edits away), or null. */
function closest(k: string, keys: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of keys) {
    const d = candidate.toLowerCase() === k.toLowerCase() ? 0 : editDistance(k, candidate);
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The repository's default config file (config/engine.json), relative to this module in dist/ or src/. */
export function defaultEngineConfigPath(): string {
  return fileURLToPath(new URL('../../../config/engine.json', import.meta.url));
}
