// Builds complete FIX messages: 8, 9 (computed), 35, header, body, 10 (computed). Values are written
// as latin1 bytes, so a string read by FixMessage.valueAt() is written back byte for byte.

import { SOH, type FieldList } from './types.js';

const MAX_FIELD_COUNT = 100_000;

/** Checksum (sum of bytes mod 256) as the 3-digit string. */
export function checksum(bytes: Buffer, start = 0, end = bytes.length): string {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i]!;
  sum &= 0xff;
  return sum < 10 ? '00' + sum : sum < 100 ? '0' + sum : String(sum);
}

function appendFields(out: string, fields: FieldList): string {
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = field[1];
    if (value.indexOf('\x01') >= 0) throw new Error(`encodeMessage: value of tag ${field[0]} contains SOH`);
    out += field[0] + '=' + value + '\x01';
  }
  return out;
}

/**
 * Build a complete message: 8, 9 (computed), 35, then `header` in the given order, then `body` in
 * the given order, then 10 (computed). Values must not contain SOH and must be latin1 text (chars
 * <= 0xFF): either is a caller bug and throws.
 */
export function encodeMessage(beginString: string, msgType: string, header: FieldList, body: FieldList): Buffer {
  if (header.length + body.length > MAX_FIELD_COUNT) throw new Error('encodeMessage: too many fields');
  if (beginString.indexOf('\x01') >= 0 || msgType.indexOf('\x01') >= 0) throw new Error('encodeMessage: SOH in 8 or 35');
  let rest = '35=' + msgType + '\x01';
  rest = appendFields(rest, header);
  rest = appendFields(rest, body);
  // latin1 maps one char to one byte, so the string length is the BodyLength.
  if (/[^\x00-\xff]/.test(rest)) throw new Error('encodeMessage: value has characters outside latin1');
  const head = '8=' + beginString + '\x01' + '9=' + rest.length + '\x01';
  const total = head.length + rest.length + 7;
  const out = Buffer.allocUnsafe(total);
  out.write(head, 0, 'latin1');
  out.write(rest, head.length, 'latin1');
  const sumEnd = total - 7;
  const sum = checksum(out, 0, sumEnd);
  out.write('10=' + sum, sumEnd, 'latin1');
  out[total - 1] = SOH;
  return out;
}
