// Test and bench support: writes a large, valid fixgw message log (Logon, then order / ack / fill triples
// with consecutive sequence numbers) in bounded memory, so streaming and memory bounds can be measured.
import fs from 'node:fs';
import { encodeMessage } from '../../src/fix/encode.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { formatTimestamp } from '../../src/session/message-log.js';
import type { FieldList } from '../../src/fix/types.js';

const T0_MS = Date.UTC(2026, 10, 26, 9, 0, 0);

/** Writes about `targetBytes` of log to `file`; returns the number of messages written. */
export function writeBigLog(file: string, targetBytes: number): number {
  const fd = fs.openSync(file, 'w');
  const chunks: string[] = [];
  let pending = 0;
  let written = 0;
  let messages = 0;
  let inSeq = 1;
  let outSeq = 1;
  let timeUs = T0_MS * 1000;
  const line = (dir: 'IN' | 'OUT', msgType: string, body: FieldList): void => {
    const [from, to, seq] = dir === 'IN' ? ['CLIENT1', 'FIXGW', inSeq++] : ['FIXGW', 'CLIENT1', outSeq++];
    timeUs += 37;
    const header: FieldList = [[34, String(seq)], [49, from], [52, formatUtcTimestamp(Math.floor(timeUs / 1000))], [56, to]];
    const text = `${formatTimestamp(timeUs)} ${dir} ${encodeMessage('FIX.4.4', msgType, header, body).toString('latin1')}\n`;
    chunks.push(text);
    pending += text.length;
    messages++;
    if (pending >= 4 * 1024 * 1024) flush();
  };
  const flush = (): void => {
    const buf = Buffer.from(chunks.join(''), 'latin1');
    fs.writeSync(fd, buf);
    written += buf.length;
    chunks.length = 0;
    pending = 0;
  };
  try {
    line('IN', 'A', [[98, '0'], [108, '30']]);
    line('OUT', 'A', [[98, '0'], [108, '30']]);
    for (let n = 1; written + pending < targetBytes; n++) {
      const clOrdId = `ORD${n}`;
      const orderId = String(n);
      line('IN', 'D', [[11, clOrdId], [55, 'AAPL'], [54, '1'], [60, '20261126-09:00:00'], [38, '100'], [40, '2'], [44, '190.00'], [59, '0']]);
      const er = (execId: string, execType: string, ordStatus: string, cum: string, leaves: string, avgPx: string, last?: string): FieldList => [
        [37, orderId], [11, clOrdId], [17, execId], [150, execType], [39, ordStatus], [55, 'AAPL'], [54, '1'], [38, '100'], [40, '2'], [44, '190.00'],
        ...(last !== undefined ? [[32, last], [31, '190.00']] as FieldList : []), [151, leaves], [14, cum], [6, avgPx],
      ];
      line('OUT', '8', er(`${n}.1`, '0', '0', '0', '100', '0'));
      line('OUT', '8', er(`${n}.2`, 'F', '2', '100', '0', '190.00', '100'));
    }
    flush();
  } finally {
    fs.closeSync(fd);
  }
  return messages;
}
