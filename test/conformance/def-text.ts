// The text side of QuickFIX's acceptance-test definitions (.def), as QuickFIX's Ruby runner treats it: the
// substitutions applied to an I/E line before it runs (<TIME±n>, <FILE:path>, "fixify") and the field-by-field
// comparison of an expected message with the one received (fields.fmt patterns). README.md beside this file
// describes the DSL.
import { readFileSync } from 'node:fs';

export const SOH = '\x01';

/** QuickFIX's test/definitions/fields.fmt: fields whose received value need only match an (unanchored) regex. */
export const DEFAULT_PATTERNS = [
  '10=\\d{3}',
  '42=\\d{8}-\\d{2}:\\d{2}:\\d{2}',
  '52=\\d{8}-\\d{2}:\\d{2}:\\d{2}|\\d{8}-\\d{2}:\\d{2}:\\d{2}[.]\\d{3}',
  '60=\\d{8}-\\d{2}:\\d{2}:\\d{2}',
  '122=\\d{8}-\\d{2}:\\d{2}:\\d{2}',
].join('\n');

/** SOH shown as '|', CR and LF escaped. */
export function show(text: string | null | undefined): string {
  if (text === null || text === undefined) return '<nothing>';
  return text.replace(/\x01/g, '|').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** show(), cut after `max` characters (partial or unexpected data can be long). */
export function clip(text: string, max = 400): string {
  return text.length > max ? `${show(text.slice(0, max))}...(${text.length} bytes)` : show(text);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** %Y%m%d-%H:%M:%S in UTC, second precision, as the Ruby runner writes <TIME>. */
export function fixTime(date: Date): string {
  return `${date.getUTCFullYear()}${pad2(date.getUTCMonth() + 1)}${pad2(date.getUTCDate())}-` +
    `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}`;
}

/** <TIME> → now; <TIME+n> / <TIME-n> → now ± n seconds. */
export function timeify(line: string, nowMs = Date.now()): string {
  return line.replace(/<TIME(?:([+-])(\d+))?>/g, (_m, op: string | undefined, n: string | undefined) =>
    fixTime(new Date(nowMs + (op === undefined ? 0 : (op === '+' ? 1 : -1) * Number(n) * 1000))));
}

/** <FILE:path> → the file's contents (trimmed), the path relative to the working directory, read as latin1. */
export function fileify(line: string): string {
  return line.replace(/<FILE:([^>]+)>/g, (_m, file: string) => readFileSync(file).toString('latin1').trim());
}

function checksumOf(text: string): string {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum = (sum + text.charCodeAt(i)) & 0xff;
  return String(sum).padStart(3, '0');
}

/** Reflector#fixify!: a message starting with 8= gets 9=<length> after its first field unless a 9= field is there
 *  already, and 10=<checksum> unless it ends in a 10= field. Anything else is sent and compared as it is. */
export function fixify(message: string): string {
  const hasLength = /\x019=.*?\x01/.test(message);
  const head = /^8=.*?\x01/.exec(message)?.[0];
  if (head === undefined) return message;
  let rest = message.slice(head.length);
  let checksum: string | null = null;
  const ck = /\x0110=.*\x01$/.exec(rest);
  if (ck !== null) {
    checksum = ck[0];
    rest = rest.slice(0, ck.index) + rest.slice(ck.index + ck[0].length);
  }
  rest = rest.replace(/\r?\n$/, '');
  const length = hasLength ? '' : `9=${rest.length}${SOH}`;
  checksum ??= `10=${checksumOf(head + length + rest)}${SOH}`;
  return head + length + rest + checksum;
}

/** Ruby's String#split: trailing empty strings are dropped. */
function rubySplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

interface Field { tag: string; value: string | null }

function fieldOf(text: string): Field {
  const eq = text.indexOf('=');
  return eq < 0 ? { tag: text, value: null } : { tag: text.slice(0, eq), value: text.slice(eq + 1) };
}

/** QuickFIX's Comparator: the same number of fields, the same tags in the same order, equal values, except
 *  for tags with a pattern, whose received value must match it. */
export class Comparator {
  readonly #patterns = new Map<number, RegExp>();

  constructor(patternText = DEFAULT_PATTERNS) {
    for (const line of patternText.split(/\r?\n/)) {
      const eq = line.indexOf('=');
      if (line.trim() === '' || eq < 0) continue;
      this.#patterns.set(parseInt(line.slice(0, eq), 10), new RegExp(line.slice(eq + 1)));
    }
  }

  /** null when the messages match, else the reason in QuickFIX's words. */
  compare(expected: string, actual: string): string | null {
    const left = rubySplit(expected, SOH);
    const right = rubySplit(actual, SOH);
    if (left.length !== right.length) return `Number of fields do not match (expected ${left.length}, received ${right.length})`;
    for (let i = 0; i < left.length; i++) {
      const problem = this.#compareField(fieldOf(left[i]!), fieldOf(right[i]!));
      if (problem !== null) return problem;
    }
    return null;
  }

  #compareField(l: Field, r: Field): string | null {
    if (l.tag !== r.tag) return `Expected field (${l.tag}) but found field (${r.tag})`;
    const pattern = this.#patterns.get(parseInt(l.tag, 10));
    if (pattern === undefined) {
      return l.value === r.value ? null : `Value in field (${l.tag}) should be (${l.value ?? ''}) but was (${r.value ?? ''})`;
    }
    return r.value !== null && pattern.test(r.value) ? null : `Field (${l.tag}) does not match pattern /${pattern.source}/ (was (${r.value ?? ''}))`;
  }
}
