// Readable forms of one logged message: a one-line summary, every field as
// `Name(tag)=value (enum meaning)` with repeating groups indented, and a JSON object.

import type { Dictionary } from '../fix/dictionary.js';
import type { FixMessage } from '../fix/message.js';
import { layoutMessage, type GroupInstance } from '../fix/validate.js';
import { formatTimeUs, type LoggedMessage } from './log-messages.js';

/** Fields worth seeing on the summary line, in this order, when present. */
const SUMMARY_TAGS = [
  11, 41, 37, 17, 527, 1, 55, 54, 40, 59, 38, 44, 99, 150, 39, 32, 31, 14, 151, 6, 1003, 103, 102, 434,
  7, 16, 36, 123, 45, 371, 372, 373, 380, 112, 108, 141, 58,
];

export function messageTypeName(dict: Dictionary, msgType: string): string {
  return dict.messageName(msgType) ?? 'Unknown';
}

/** Control characters (a CR/LF or SOH inside a value) would break the one-field-per-line layout: quote them. */
function printable(value: string): string {
  return /[\x00-\x1f\x7f]/.test(value) ? JSON.stringify(value) : value;
}

function fieldValueText(dict: Dictionary, tag: number, value: string): string {
  const meaning = dict.enumMeaning(tag, value);
  return meaning ? `${printable(value)} (${meaning})` : printable(value);
}

/** '20261126-01:02:03.123456 OUT FIX.4.4:FIXGW->CLIENT1 #5 ExecutionReport(8) ClOrdID=A1 ...' */
export function summaryLine(dict: Dictionary, m: LoggedMessage): string {
  const parts: string[] = [
    formatTimeUs(m.timeUs),
    (m.direction ?? '?').padEnd(3),
    m.session,
    `#${m.seq ?? '?'}`,
    `${messageTypeName(dict, m.msgType)}(${m.msgType})`,
  ];
  if (m.possDup) parts.push('PossDup');
  if (m.frameProblem) parts.push(`!${m.frameProblem.code}`);
  for (const tag of SUMMARY_TAGS) {
    const value = m.msg.get(tag);
    if (value === undefined) continue;
    const name = dict.fieldName(tag) ?? String(tag);
    const meaning = dict.enumMeaning(tag, value);
    const shown = meaning ? `${value}:${meaning}` : /[\s"]/.test(value) ? JSON.stringify(value) : value;
    parts.push(`${name}=${shown}`);
  }
  return parts.join(' ');
}

export interface FieldView {
  tag: number;
  name: string | null;
  value: string;
  meaning: string | null;
  /** For a NumInGroup field: its entries, each a list of fields. */
  entries?: FieldView[][];
}

/** Password(554) and NewPassword(925): another engine's log may hold them in clear; they are never shown. */
const SECRET_TAGS = new Set([554, 925]);

/** Every field in wire order, repeating groups nested under their NumInGroup field; passwords masked. */
export function fieldTree(dict: Dictionary, msg: FixMessage): FieldView[] {
  const layout = layoutMessage(msg, dict, dict.message(msg.msgType));
  const groupAt = new Map<number, GroupInstance>();
  for (const g of [...layout.headerGroups, ...layout.bodyGroups]) groupAt.set(g.countIndex, g);
  const view = (i: number, groups: Map<number, GroupInstance>): FieldView => {
    const tag = msg.tagAt(i);
    const value = SECRET_TAGS.has(tag) ? '*'.repeat(8) : msg.valueAt(i);
    const v: FieldView = { tag, name: dict.fieldName(tag) ?? null, value, meaning: dict.enumMeaning(tag, value) ?? null };
    const g = groups.get(i);
    if (g !== undefined) {
      v.entries = g.entries.map((entry) => {
        const nested = new Map<number, GroupInstance>();
        for (const ng of entry.groups) nested.set(ng.countIndex, ng);
        const inNested = new Set<number>();
        for (const ng of entry.groups) for (const e of ng.entries) collect(e, inNested);
        return entry.fieldIndexes.filter((fi) => !inNested.has(fi)).map((fi) => view(fi, nested));
      });
    }
    return v;
  };
  const out: FieldView[] = [];
  for (let i = 0; i < msg.fieldCount; i++) if (layout.section[i] !== 0) out.push(view(i, groupAt));
  return out;
}

function collect(entry: { fieldIndexes: number[]; groups: GroupInstance[] }, into: Set<number>): void {
  for (const i of entry.fieldIndexes) into.add(i);
  for (const g of entry.groups) for (const e of g.entries) collect(e, into);
}

/** The field tree as indented lines: `Name(tag)=value (meaning)`, group entries as `[n] ...`. */
export function fieldLines(dict: Dictionary, msg: FixMessage, indent = '    '): string[] {
  const lines: string[] = [];
  const emit = (fields: FieldView[], pad: string, firstPrefix?: string): void => {
    fields.forEach((f, k) => {
      const lead = k === 0 && firstPrefix !== undefined ? firstPrefix : pad;
      lines.push(`${lead}${f.name ?? 'Unknown'}(${f.tag})=${fieldValueText(dict, f.tag, f.value)}`);
      f.entries?.forEach((entry, n) => {
        const marker = `[${n + 1}] `;
        const innerPad = `${pad}  ${' '.repeat(marker.length)}`;
        emit(entry, innerPad, `${pad}  ${marker}`);
      });
    });
  };
  emit(fieldTree(dict, msg), indent);
  return lines;
}

/** One JSON-ready object per message. */
export function messageJson(dict: Dictionary, m: LoggedMessage): Record<string, unknown> {
  return {
    file: m.file,
    line: m.line,
    time: m.timeUs === undefined ? null : formatTimeUs(m.timeUs),
    timeUs: m.timeUs ?? null,
    direction: m.direction ?? null,
    session: m.session,
    seq: m.seq ?? null,
    msgType: m.msgType,
    msgTypeName: dict.messageName(m.msgType) ?? null,
    possDup: m.possDup,
    problem: m.frameProblem ? `${m.frameProblem.code}: ${m.frameProblem.text}` : null,
    fields: fieldTree(dict, m.msg),
  };
}
