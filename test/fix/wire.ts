// Test helpers: build wire bytes from readable `8=FIX.4.4|35=0|...` text, and read the QuickFIX
// acceptance-test definitions (.def) the way the conformance runner does ("fixify").

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checksum } from '../../src/fix/encode.js';
import { Dictionary } from '../../src/fix/dictionary.js';

export const FIX44_XML = fileURLToPath(new URL('../../../fix-specs/FIX44.xml', import.meta.url));
/** QuickFIX's FIX 4.4 acceptance-test definitions, kept in the repository (test data under QuickFIX's licence). */
export const DEF_DIR = fileURLToPath(new URL('../../../test/conformance/quickfix-fix44/', import.meta.url));

let dict: Dictionary | undefined;
export function fix44(): Dictionary {
  dict ??= Dictionary.load(FIX44_XML);
  return dict;
}

/** '|' -> SOH, then fixify: insert 9= after the first field if absent, append 10= if absent. */
export function fixify(text: string): string {
  let t = text.replaceAll('|', '\x01');
  if (!t.startsWith('8=')) return t;
  if (!t.includes('\x019=')) {
    const afterFirst = t.indexOf('\x01') + 1;
    const trailer = t.lastIndexOf('\x0110=');
    const bodyEnd = trailer >= 0 && /\x0110=[^\x01]*\x01$/.test(t) ? trailer + 1 : t.length;
    t = t.slice(0, afterFirst) + '9=' + (bodyEnd - afterFirst) + '\x01' + t.slice(afterFirst);
  }
  if (!/\x0110=[^\x01]*\x01$/.test(t)) t += '10=' + checksum(Buffer.from(t, 'latin1')) + '\x01';
  return t;
}

/** fixify() as bytes. */
export function wire(text: string): Buffer {
  return Buffer.from(fixify(text), 'latin1');
}

/** Replace SOH by '|' for readable assertions. */
export function show(bytes: Buffer | string): string {
  return (typeof bytes === 'string' ? bytes : bytes.toString('latin1')).replaceAll('\x01', '|');
}

export interface DefLine {
  file: string;
  lineNo: number;
  kind: 'I' | 'E';
  /** Message text after substitution and fixify (SOH separated). */
  text: string;
}

/** I and E message lines of every .def file, with <TIME> substituted (second precision). */
export function readDefFiles(nowMs = Date.now()): DefLine[] {
  const out: DefLine[] = [];
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-]/g, '').replace('T', '-').slice(0, 17);
  for (const file of readdirSync(DEF_DIR).filter((f) => f.endsWith('.def')).sort()) {
    const lines = readFileSync(path.join(DEF_DIR, file), 'latin1').split('\n');
    lines.forEach((line, idx) => {
      const m = /^([IE])(\d,)?(.*)$/s.exec(line);
      if (!m || m[3]!.endsWith('CONNECT') || m[3] === '') return;
      const body = m[3]!.replace(/<TIME([+-]\d+)?>/g, (_, off: string | undefined) => stamp(nowMs + Number(off ?? 0) * 1000));
      out.push({ file, lineNo: idx + 1, kind: m[1] as 'I' | 'E', text: fixify(body) });
    });
  }
  return out;
}

/** Value of the first `tag=` field in SOH-separated text. */
export function fieldOf(text: string, tag: number): string | undefined {
  const m = new RegExp(`(?:^|\\x01)${tag}=([^\\x01]*)\\x01`).exec(text);
  return m ? m[1] : undefined;
}
