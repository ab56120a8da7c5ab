// Exact conversion between decimal strings and integer units (price ticks, quantity lots).
// decimal.js handles anything unusual at the edge; plain "123.45" strings take an exact integer fast path.
import { Decimal } from 'decimal.js';

/** A step such as a tick size 0.05: value = steps × stepNum × 10^-scale. */
export interface UnitStep {
  readonly stepNum: number;
  readonly scale: number;
  /** The step as a canonical decimal string, e.g. "0.05". */
  readonly text: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const POW10: number[] = [];
for (let i = 0, p = 1; i <= 15; i++, p *= 10) POW10.push(p);
const PLAIN_DECIMAL = /^([0-9]{1,16})(?:\.([0-9]{1,16}))?$/;

/** Builds a UnitStep from a positive decimal string; throws (config time only) when it is not one. */
export function unitStepOf(text: string): UnitStep {
  const d = new Decimal(text);
  if (!d.isFinite() || d.lte(0)) throw new Error(`not a positive decimal: ${text}`);
  const scale = d.decimalPlaces();
  if (scale > 15) throw new Error(`more than 15 decimal places: ${text}`);
  const stepNum = d.mul(new Decimal(10).pow(scale)).toNumber();
  if (!Number.isSafeInteger(stepNum)) throw new Error(`step too large: ${text}`);
  return { stepNum, scale, text: d.toFixed() };
}

/** Result of a conversion: a safe non-negative integer, or a reason it does not fit. */
export type UnitsResult = number | 'invalid' | 'off-step' | 'too-large';

/** Converts a decimal string into a whole number of steps, exactly; never rounds. */
export function toUnits(text: unknown, step: UnitStep): UnitsResult {
  if (typeof text !== 'string') return 'invalid';
  const plain = plainUnits(text, step);
  if (plain !== NOT_PLAIN) return plain;
  // Unusual spellings (".5", "1e3", "+2") go through decimal.js and come back as plain text.
  let d: Decimal;
  try { d = new Decimal(text); } catch { return 'invalid'; }
  if (!d.isFinite() || d.isNeg() || text.trim() !== text || text.length > 64) return 'invalid';
  const fixed = d.toFixed();
  if (!PLAIN_DECIMAL.test(fixed)) return 'too-large';
  return plainUnits(fixed, step);
}

const NOT_PLAIN = -1;

/**
 * toUnits for text matching PLAIN_DECIMAL (1-16 digits, optionally a point and 1-16 digits), in one pass without
 * allocating; NOT_PLAIN for any other text.
 */
function plainUnits(text: string, step: UnitStep): UnitsResult | typeof NOT_PLAIN {
  const n = text.length;
  let i = 0;
  let v = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  const intLen = i;
  if (intLen === 0 || intLen > 16) return NOT_PLAIN;
  let fracLen = 0;
  if (i < n) {
    if (text.charCodeAt(i) !== 46) return NOT_PLAIN;
    const fracStart = ++i;
    let significant = 0; // fraction digits up to the last non-zero one
    let fracValue = 0;
    let zerosPending = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return NOT_PLAIN;
      if (c === 0) { zerosPending++; continue; }
      // digits beyond the step's scale are off-step unless zero: keep counting, the value only matters if in range
      for (; zerosPending > 0; zerosPending--) fracValue *= 10;
      fracValue = fracValue * 10 + c;
      significant = i - fracStart + 1;
    }
    fracLen = i - fracStart;
    if (fracLen === 0 || fracLen > 16) return NOT_PLAIN;
    if (significant > step.scale) return 'off-step';
    v = v * POW10[significant]! + fracValue;
    fracLen = significant;
  }
  if (intLen + step.scale > 16) return 'too-large';
  const scaled = v * POW10[step.scale - fracLen]!;
  if (scaled > MAX_SAFE) return 'too-large';
  if (scaled % step.stepNum !== 0) return 'off-step';
  return smallIntOf(scaled / step.stepNum);
}

/** Largest small integer (V8 Smi with pointer compression): 2^30 - 1. */
const SMALL_INT_MAX = 0x3fffffff;

/**
 * The same integer, as a small integer when it fits. Arithmetic through a double (a power of ten above 2^30, a
 * division) yields a boxed number even when the value is integral; stored into an order, one such value makes V8
 * keep that field boxed for every order (an extra heap object per field per order, and slower arithmetic).
 */
export function smallIntOf(n: number): number {
  return n <= SMALL_INT_MAX ? n | 0 : n;
}

/** Formats a whole number of steps as a decimal string with exactly `step.scale` decimals. */
export function fromUnits(units: number, step: UnitStep): string {
  const scaled = units * step.stepNum;
  if (!Number.isSafeInteger(scaled)) throw new Error(`units out of safe range: ${units}`);
  return formatScaled(scaled, step.scale);
}

/** Formats an integer n as n × 10^-scale. */
export function formatScaled(n: number, scale: number): string {
  if (scale === 0) return String(n);
  if (n >= 0 && scale <= FRACTION_TABLE_SCALE_MAX) {
    // integer part, then the fraction's text (".05") from a table: one concatenation, no slicing
    const p = POW10[scale]!;
    let whole = Math.floor(n / p);
    let frac = n - whole * p;
    if (frac < 0) { whole--; frac += p; } // n / p rounded up to the next integer (only near 2^53)
    return String(whole) + fractionTable(scale)[frac]!;
  }
  const neg = n < 0;
  return (neg ? '-' : '') + pointAt(String(neg ? -n : n), scale);
}

/** Largest scale whose fraction texts are tabulated (10^4 strings). */
const FRACTION_TABLE_SCALE_MAX = 4;
const FRACTION_TABLES: Array<string[] | undefined> = [];

/** ".0" … ".9" for scale 1, ".00" … ".99" for scale 2, …: built on first use. */
function fractionTable(scale: number): string[] {
  let t = FRACTION_TABLES[scale];
  if (t === undefined) {
    t = [];
    for (let i = 0; i < POW10[scale]!; i++) t.push('.' + String(i).padStart(scale, '0'));
    FRACTION_TABLES[scale] = t;
  }
  return t;
}

/** Puts a decimal point `scale` digits from the right of a non-negative digit string. */
function pointAt(digits: string, scale: number): string {
  let s = digits;
  if (s.length <= scale) s = '0'.repeat(scale - s.length + 1) + s;
  const cut = s.length - scale;
  return s.slice(0, cut) + '.' + s.slice(cut);
}

/** Extra decimal places of an average price that does not terminate at the instrument's precision. */
const AVERAGE_EXTRA_PLACES = 10;
const AVERAGE_EXTRA_POW = 10n ** BigInt(AVERAGE_EXTRA_PLACES);

/**
 * Average price of `notional` (price steps × qty units, ≥ 0) over `qty` units: exact when it terminates at the
 * price precision, else exactly rounded half-even to 10 extra places (trailing zeros dropped). Integer arithmetic only.
 */
export function averageOf(notional: number, qty: number, priceStep: UnitStep): string {
  if (qty === 0) return formatScaled(0, priceStep.scale);
  if (notional % qty === 0) return fromUnits(notional / qty, priceStep);
  const num = BigInt(notional) * BigInt(priceStep.stepNum) * AVERAGE_EXTRA_POW;
  const den = BigInt(qty);
  let q = num / den;
  const twiceRest = (num % den) * 2n;
  if (twiceRest > den || (twiceRest === den && (q & 1n) === 1n)) q += 1n;
  let text = pointAt(q.toString(), priceStep.scale + AVERAGE_EXTRA_PLACES);
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  text = text.slice(0, end);
  return text;
}

/** Exact decimal string → Decimal, for config values (throws with the text when invalid). */
export function decimalOf(text: string): Decimal {
  const d = new Decimal(text);
  if (!d.isFinite()) throw new Error(`not a finite decimal: ${text}`);
  return d;
}
