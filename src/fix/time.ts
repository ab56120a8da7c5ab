// FIX UTCTimestamp text <-> epoch milliseconds, without Date parsing of strings.

const CH_0 = 0x30;

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** The last second formatted (one entry: messages come in time order, so most calls hit it). */
let cachedSecond = NaN;
let cachedSecondText = '';

/** Fractional digits of a UTCTimestamp: seconds, milliseconds, microseconds, nanoseconds (QuickFIX TimestampPrecision). */
export type TimestampDigits = 0 | 3 | 6 | 9;

/** YYYYMMDD-HH:MM:SS with `fraction` digits after a dot (default 3: .sss). Digits past the millisecond come from the
 *  fraction of `epochMs` (zeros for a whole number of milliseconds). */
export function formatUtcTimestamp(epochMs: number, fraction: TimestampDigits = 3): string {
  // As Date does: drop the fraction toward zero; split into whole seconds and 0..999 ms.
  const t = Math.trunc(epochMs);
  const second = Math.floor(t / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    const year = d.getUTCFullYear();
    if (!(year >= 0 && year <= 9999)) throw new Error(`formatUtcTimestamp: year out of range for ${epochMs}`);
    cachedSecondText =
      String(year).padStart(4, '0') + pad2(d.getUTCMonth() + 1) + pad2(d.getUTCDate()) + '-' +
      pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ':' + pad2(d.getUTCSeconds());
    cachedSecond = second;
  }
  if (fraction === 0) return cachedSecondText;
  const ms = t - second * 1000;
  const text = cachedSecondText + (ms < 10 ? '.00' : ms < 100 ? '.0' : '.') + ms;
  if (fraction === 3) return text;
  // below the millisecond: nanoseconds of the fraction, cut to the digits asked for
  const ns = Math.min(999_999, Math.max(0, Math.floor((epochMs - t) * 1_000_000)));
  return text + String(ns).padStart(6, '0').slice(0, fraction - 3);
}

function digits(value: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = value.charCodeAt(i) - CH_0;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** YYYYMMDD as [year, month, day], or undefined. */
export function parseDate(value: string, at = 0): [number, number, number] | undefined {
  const year = digits(value, at, 4);
  const month = digits(value, at + 4, 2);
  const day = digits(value, at + 6, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return [year, month, day];
}

/**
 * HH:MM:SS with optional .sss / .ssssss / .sssssssss at `at`, running to the end of value. Returns
 * milliseconds since midnight (fraction truncated to ms), or undefined. Seconds may be 60 (leap).
 */
export function parseTimeOfDay(value: string, at = 0): number | undefined {
  const len = value.length - at;
  if (len !== 8 && len !== 12 && len !== 15 && len !== 18) return undefined;
  if (value.charCodeAt(at + 2) !== 0x3a || value.charCodeAt(at + 5) !== 0x3a) return undefined;
  const h = digits(value, at, 2);
  const m = digits(value, at + 3, 2);
  const s = digits(value, at + 6, 2);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60) return undefined;
  let ms = 0;
  if (len > 8) {
    if (value.charCodeAt(at + 8) !== 0x2e) return undefined;
    const fraction = digits(value, at + 9, len - 9);
    if (fraction < 0) return undefined;
    ms = digits(value, at + 9, 3);
  }
  return ((h * 60 + m) * 60 + s) * 1000 + ms;
}

/** Accepts s, ms, us, ns precision -> epoch ms (sub-ms digits truncated); undefined if invalid. */
export function parseUtcTimestamp(value: string): number | undefined {
  if (value.length < 17 || value.charCodeAt(8) !== 0x2d) return undefined;
  const timeMs = parseTimeOfDay(value, 9);
  if (timeMs === undefined) return undefined;
  // Timestamps come in date order, so the day of the last one is usually the day of this one.
  if (lastDayText.length === 8 && value.startsWith(lastDayText)) return lastDayMs + timeMs;
  const date = parseDate(value, 0);
  if (date === undefined) return undefined;
  const dayMs = date[0] >= 100 ? Date.UTC(date[0], date[1] - 1, date[2]) : new Date(0).setUTCFullYear(date[0], date[1] - 1, date[2]);
  lastDayText = value.slice(0, 8);
  lastDayMs = dayMs;
  return dayMs + timeMs;
}

/** The YYYYMMDD of the last valid timestamp parsed, and its epoch ms. */
let lastDayText = '';
let lastDayMs = 0;
