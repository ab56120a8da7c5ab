// Amounts of an asset: integer units of its precision inside, decimal strings outside. Parsing never rounds; the
// text for people groups thousands ("10,150.00") and shows at least the asset's display decimals, more only when
// the amount has them (it is never rounded).
import type { Asset } from './config.js';
import { formatScaled, toUnits } from './units.js';

/** Exact decimal text at the asset's full precision, e.g. "9000.000000" (what reads and events carry). */
export function amountText(units: number, asset: Asset): string {
  return formatScaled(units, asset.step.scale);
}

/** "10,150.00": grouped, at least displayDecimals decimals, every non-zero digit kept. */
export function formatAmount(units: number, asset: Asset): string {
  const text = amountText(units < 0 ? -units : units, asset);
  const point = text.indexOf('.');
  const whole = point < 0 ? text : text.slice(0, point);
  let frac = point < 0 ? '' : text.slice(point + 1);
  let end = frac.length;
  while (end > asset.displayDecimals && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (units < 0 ? '-' : '') + grouped + (frac === '' ? '' : '.' + frac);
}

/**
 * A decimal string as units of the asset: positive, or (signed) non-zero with an optional leading "-".
 * 'invalid' for anything else, 'off-step' for more decimals than the asset has, 'too-large' past 2^53.
 */
export function parseAmount(text: unknown, asset: Asset, signed: boolean): number | 'invalid' | 'off-step' | 'too-large' {
  if (typeof text !== 'string') return 'invalid';
  const negative = signed && text.startsWith('-');
  const u = toUnits(negative ? text.slice(1) : text, asset.step);
  if (typeof u !== 'number') return u;
  if (u === 0) return 'invalid';
  return negative ? -u : u;
}
