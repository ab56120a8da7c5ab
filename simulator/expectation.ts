// `expect` lines of a scenario: what the next message must carry, and a readable diff when it does not.
//
//   expect 35=8 150=F 32=100 ExecType=F 58=* !103 58~"unknown symbol"
//     TAG=VALUE   equal (decimals compare by value: 100 = 100.00)      NAME=VALUE   same, by field name
//     TAG=*       present with any value                                !TAG         absent
//     TAG~TEXT    value contains TEXT (case-insensitive)                "..."        quotes allow spaces
//     TAG=$name   present; the first time, its value is captured as $name (later steps may use $name);
//                 once $name is set, the value must equal it
import { Decimal } from 'decimal.js';
import type { Dictionary } from '../src/fix/dictionary.js';
import type { FixMessage } from '../src/fix/message.js';

export type FieldCheck =
  | { tag: number; op: 'equals'; value: string }
  | { tag: number; op: 'contains'; value: string }
  | { tag: number; op: 'present' }
  | { tag: number; op: 'absent' }
  | { tag: number; op: 'variable'; name: string };

export interface Expectation {
  checks: FieldCheck[];
  text: string;
}

export class ExpectationError extends Error {}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Parse the part after `expect`. Field names are looked up in the dictionary. */
export function parseExpectation(text: string, dict: Dictionary): Expectation {
  const checks: FieldCheck[] = [];
  for (const token of tokenize(text)) {
    const m = /^(!)?([A-Za-z][A-Za-z0-9]*|\d+)(?:(=|~)(.*))?$/s.exec(token);
    if (!m) throw new ExpectationError(`'${token}' is not TAG=VALUE, TAG=*, TAG~TEXT or !TAG`);
    const [, not, key, op, rawValue] = m;
    const tag = /^\d+$/.test(key!) ? Number(key) : dict.fieldTag(key!);
    if (tag === undefined || !Number.isInteger(tag) || tag <= 0) throw new ExpectationError(`unknown field '${key}' in '${token}'`);
    if (not) {
      if (op !== undefined) throw new ExpectationError(`'${token}': write !TAG alone to expect a field to be absent`);
      checks.push({ tag, op: 'absent' });
    } else if (op === undefined) {
      throw new ExpectationError(`'${token}' has no value (write ${key}=VALUE, ${key}=* or !${key})`);
    } else {
      const value = unquote(rawValue!);
      const variable = /^\$([A-Za-z_]\w*)$/.exec(rawValue!);
      if (op === '~') checks.push({ tag, op: 'contains', value });
      else if (variable) checks.push({ tag, op: 'variable', name: variable[1]! });
      else if (value === '*' && !rawValue!.startsWith('"')) checks.push({ tag, op: 'present' });
      else checks.push({ tag, op: 'equals', value });
    }
  }
  if (checks.length === 0) throw new ExpectationError('expect needs at least one field (e.g. expect 35=8 150=0)');
  return { checks, text: text.trim() };
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /(?:[^\s"]+|"[^"]*")+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) tokens.push(m[0]);
  return tokens;
}

function unquote(value: string): string {
  return value.replace(/"([^"]*)"/g, '$1');
}

export interface CheckResult {
  check: FieldCheck;
  actual: string | undefined;
  ok: boolean;
}

/** Values captured by `TAG=$name` checks, shared by the steps of one scenario run. Bounded. */
export type Variables = Map<string, string>;
export const VARIABLES_MAX = 10_000;

/** Check `msg`; when every check passes, `TAG=$name` checks whose variable is unset capture their value. */
export function checkMessage(exp: Expectation, msg: FixMessage, vars: Variables = new Map()): { ok: boolean; results: CheckResult[] } {
  const results = exp.checks.map((check) => {
    const actual = msg.get(check.tag);
    return { check, actual, ok: passes(check, actual, vars) };
  });
  const ok = results.every((r) => r.ok);
  if (ok) {
    for (const { check, actual } of results) {
      if (check.op === 'variable' && !vars.has(check.name) && vars.size < VARIABLES_MAX) vars.set(check.name, actual!);
    }
  }
  return { ok, results };
}

function passes(check: FieldCheck, actual: string | undefined, vars: Variables): boolean {
  switch (check.op) {
    case 'variable': {
      const bound = vars.get(check.name);
      return actual !== undefined && (bound === undefined || actual === bound);
    }
    case 'absent': return actual === undefined;
    case 'present': return actual !== undefined;
    case 'contains': return actual !== undefined && actual.toLowerCase().includes(check.value.toLowerCase());
    case 'equals':
      if (actual === undefined) return false;
      if (actual === check.value) return true;
      return DECIMAL.test(actual) && DECIMAL.test(check.value) && new Decimal(actual).equals(check.value);
  }
}

function describeExpected(check: FieldCheck, vars: Variables): string {
  switch (check.op) {
    case 'variable': {
      const bound = vars.get(check.name);
      return bound === undefined ? `(any value, captured as $${check.name})` : `$${check.name} = ${bound}`;
    }
    case 'absent': return '(absent)';
    case 'present': return '(any value)';
    case 'contains': return `contains "${check.value}"`;
    case 'equals': return check.value;
  }
}

/** A table of every check, marking the ones that failed, plus the full message. */
export function formatDiff(results: CheckResult[], msg: FixMessage, dict: Dictionary, vars: Variables = new Map()): string {
  const rows = results.map((r) => {
    const name = dict.fieldName(r.check.tag) ?? '';
    const actual = r.actual === undefined ? '(absent)' : withMeaning(r.check.tag, r.actual, dict);
    const expected = r.check.op === 'equals' ? withMeaning(r.check.tag, r.check.value, dict) : describeExpected(r.check, vars);
    return [r.ok ? '  ok' : 'FAIL', String(r.check.tag), name, expected, actual];
  });
  const header = ['', 'tag', 'field', 'expected', 'received'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => '    ' + row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  const received = `received ${dict.messageName(msg.msgType) ?? 'message'} (35=${msg.msgType}, 34=${msg.get(34) ?? '?'}):`;
  return [received, line(header), ...rows.map(line), `    message: ${msg.toString()}`].join('\n');
}

function withMeaning(tag: number, value: string, dict: Dictionary): string {
  const meaning = dict.enumMeaning(tag, value);
  return meaning ? `${value} (${meaning})` : value;
}
