// How the simulator shows a FIX message to a person: message name, then the body's fields as
// Name(tag)=value with enum meanings, coloured by what kind of message it is.
import type { Dictionary } from '../src/fix/dictionary.js';
import type { FixMessage } from '../src/fix/message.js';

/** Header and trailer fields left out of the one-line view (the session already checked them). */
const HIDDEN_TAGS = new Set([8, 9, 10, 35, 49, 52, 56]);

const ANSI = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
  bold: '\x1b[1m',
} as const;

export type Colour = keyof typeof ANSI | null;

/** The colour for a message: red for rejects, green for fills, yellow for cancels/replaces, dim for admin. */
export function colourOf(msg: FixMessage): Colour {
  const type = msg.msgType;
  if (type === '3' || type === 'j' || type === '9') return 'red';
  if (type === '8') {
    const execType = msg.get(150);
    if (execType === '8') return 'red';
    if (execType === 'F' || execType === '1' || execType === '2') return 'green';
    if (execType === '4' || execType === '5' || execType === 'C') return 'yellow';
    return 'cyan';
  }
  if (type === '5') return 'yellow';
  if (type === '0' || type === '1' || type === '2' || type === '4' || type === 'A') return 'dim';
  return null;
}

export function paint(text: string, colour: Colour, enabled: boolean): string {
  return enabled && colour ? `${ANSI[colour]}${text}${ANSI.reset}` : text;
}

/** One line: `ExecutionReport(8) #5  ClOrdID(11)=A1 ExecType(150)=F:TRADE ...`. */
export function describeMessage(msg: FixMessage, dict: Dictionary): string {
  const type = msg.msgType;
  const parts = [`${dict.messageName(type) ?? 'Unknown'}(${type})`, `#${msg.get(34) ?? '?'}`];
  const count = msg.fieldCount;
  for (let i = 0; i < count; i++) {
    const tag = msg.tagAt(i);
    if (HIDDEN_TAGS.has(tag) || tag === 34) continue;
    parts.push(describeField(tag, msg.valueAt(i), dict));
  }
  return parts.join(' ');
}

export function describeField(tag: number, value: string, dict: Dictionary): string {
  const name = dict.fieldName(tag);
  const meaning = dict.enumMeaning(tag, value);
  return `${name ?? ''}(${tag})=${value}${meaning ? `:${meaning}` : ''}`;
}

/** The short form of an ExecutionReport, what a trader reads first:
 *  `ExecutionReport #5 F:TRADE 1:PARTIALLY_FILLED AAPL BUY 40@190.00 cum/leaves 40/60 ClOrdID=A1`
 *  (LastQty@LastPx only on fills; OrdRejReason and Text when the report carries them). */
export function summarizeExecutionReport(msg: FixMessage, dict: Dictionary): string {
  const enumOf = (tag: number): string => {
    const value = msg.get(tag) ?? '?';
    const meaning = dict.enumMeaning(tag, value);
    return meaning ? `${value}:${meaning}` : value;
  };
  const parts = [`ExecutionReport #${msg.get(34) ?? '?'}`, enumOf(150), enumOf(39), msg.get(55) ?? '?', enumOf(54)];
  const lastQty = msg.get(32);
  if (lastQty !== undefined && Number(lastQty) !== 0) parts.push(`${lastQty}@${msg.get(31) ?? '?'}`);
  parts.push(`cum/leaves ${msg.get(14) ?? '?'}/${msg.get(151) ?? '?'}`, `ClOrdID=${msg.get(11) ?? '?'}`);
  if (msg.get(103) !== undefined) parts.push(`OrdRejReason=${enumOf(103)}`);
  const text = msg.get(58);
  if (text !== undefined) parts.push(`Text=${JSON.stringify(text)}`);
  return parts.join(' ');
}
