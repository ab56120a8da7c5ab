// Syntax checks for FIX value types, run on the raw bytes [start, end) of a field value (no strings).
// Rules follow QuickFIX C++ FieldConvertors.h where it has one.

import { FieldFormat } from './dictionary.js';

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_MINUS = 0x2d;
const CH_DOT = 0x2e;
const CH_COLON = 0x3a;

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= CH_0 && c <= CH_9;
}

function num(b: Buffer, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = b[i]!;
    if (c < CH_0 || c > CH_9) return -1;
    n = n * 10 + (c - CH_0);
  }
  return n;
}

/** INT, LENGTH, SEQNUM, NUMINGROUP, TAGNUM: optional '-', then digits only. */
export function isFixInt(b: Buffer, start: number, end: number): boolean {
  let p = start;
  if (p < end && b[p] === CH_MINUS) p++;
  if (p >= end) return false;
  for (; p < end; p++) if (!isDigit(b[p])) return false;
  return true;
}

/** QuickFIX DoubleConvertor: optional '-', digits, optional '.' and digits; at least one digit. */
export function isFixFloat(b: Buffer, start: number, end: number): boolean {
  let p = start;
  if (p < end && b[p] === CH_MINUS) p++;
  if (p >= end) return false;
  let haveDigit = false;
  while (p < end && isDigit(b[p])) {
    haveDigit = true;
    p++;
  }
  if (p < end && b[p] === CH_DOT) {
    p++;
    while (p < end && isDigit(b[p])) {
      haveDigit = true;
      p++;
    }
  }
  return p === end && haveDigit;
}

/** YYYYMMDD with month 1-12 and day 1-31. */
function isDate(b: Buffer, at: number): boolean {
  const y = num(b, at, 4);
  const m = num(b, at + 4, 2);
  const d = num(b, at + 6, 2);
  return y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** HH:MM:SS[.s{3}|.s{6}|.s{9}] filling [at, end). */
function isTimeOnly(b: Buffer, at: number, end: number): boolean {
  const len = end - at;
  if (len !== 8 && len !== 12 && len !== 15 && len !== 18) return false;
  if (b[at + 2] !== CH_COLON || b[at + 5] !== CH_COLON) return false;
  const h = num(b, at, 2);
  const mi = num(b, at + 3, 2);
  const s = num(b, at + 6, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return false;
  if (len > 8) {
    if (b[at + 8] !== CH_DOT) return false;
    for (let i = at + 9; i < end; i++) if (!isDigit(b[i])) return false;
  }
  return true;
}

/** Does the value in b[start, end) have the syntax of `format`? */
export function hasValidFormat(format: FieldFormat, b: Buffer, start: number, end: number): boolean {
  switch (format) {
    case FieldFormat.String:
    case FieldFormat.Data:
      return true;
    case FieldFormat.Int:
      return isFixInt(b, start, end);
    case FieldFormat.Float:
      return isFixFloat(b, start, end);
    case FieldFormat.Char:
      return end - start === 1;
    case FieldFormat.Boolean:
      return end - start === 1 && (b[start] === 0x59 || b[start] === 0x4e); // Y / N
    case FieldFormat.UtcTimestamp:
      return end - start >= 17 && b[start + 8] === CH_MINUS && isDate(b, start) && isTimeOnly(b, start + 9, end);
    case FieldFormat.UtcTimeOnly:
      return isTimeOnly(b, start, end);
    case FieldFormat.UtcDateOnly:
      return end - start === 8 && isDate(b, start);
    case FieldFormat.MonthYear: {
      // YYYYMM, YYYYMMDD or YYYYMMwN
      const len = end - start;
      const y = num(b, start, 4);
      const m = num(b, start + 4, 2);
      if (len < 6 || y < 0 || m < 1 || m > 12) return false;
      if (len === 6) return true;
      if (len !== 8) return false;
      if (b[start + 6] === 0x77) return b[start + 7]! >= 0x31 && b[start + 7]! <= 0x35; // w1..w5
      const d = num(b, start + 6, 2);
      return d >= 1 && d <= 31;
    }
    case FieldFormat.DayOfMonth: {
      if (!isFixInt(b, start, end) || end - start > 2) return false;
      const d = num(b, start, end - start);
      return d >= 1 && d <= 31;
    }
    default:
      return true;
  }
}
