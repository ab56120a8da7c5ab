// FileLog writes one line per message and per event, batched per event-loop turn (written one turn later); readMessageLog
// reads the message log back byte for byte (except masked passwords).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FileLog, NullLog, readMessageLog, formatTimestamp, parseTimestamp } from '../../src/session/message-log.js';
import type { SessionId } from '../../src/session/session-id.js';
import { tempDirs } from '../support/temp-dirs.js';

const ID: SessionId = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'CLIENT1' };
const T0 = Date.UTC(2024, 2, 9, 23, 59, 58, 123);

const tmpDir = tempDirs('fixgw-log-');

function fix(body: string): Buffer {
  return Buffer.from(`8=FIX.4.4\x019=${body.length}\x01${body}10=123\x01`, 'latin1');
}

describe('FileLog', () => {
  test('messages round-trip through readMessageLog with direction, time and line', () => {
    const dir = tmpDir();
    const log = FileLog.open(dir, ID);
    const a = fix('35=A\x0134=1\x0198=0\x01108=30\x01');
    const b = fix('35=D\x0134=2\x0111=ORD-1\x0155=ACME\x0144=10.25\x01');
    log.message('IN', a, T0);
    log.message('OUT', b, T0 + 1500);
    log.close();

    assert.equal(path.basename(log.messagesPath), 'FIX.4.4-FIXGW-CLIENT1.messages.log');
    const rows = [...readMessageLog(log.messagesPath)];
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.map((r) => [r.direction, r.atMs, r.line]), [['IN', T0, 1], ['OUT', T0 + 1500, 2]]);
    assert.deepEqual(rows[0]!.bytes, a);
    assert.deepEqual(rows[1]!.bytes, b);
    assert.equal(rows[0]!.atText, '20240309-23:59:58.123000');
    const text = fs.readFileSync(log.messagesPath, 'latin1');
    assert.ok(text.startsWith(`20240309-23:59:58.123000 IN ${a.toString('latin1')}\n`), text);
  });

  test('the current time carries microseconds from the high-resolution clock', () => {
    const log = FileLog.open(tmpDir(), ID);
    let atMs = 0;
    // Retry in the rare case the millisecond ticks over between Date.now() and the log call.
    for (let i = 0; i < 5; i++) {
      atMs = Date.now();
      log.message('IN', fix('35=0\x01'), atMs);
    }
    log.close();
    const rows = [...readMessageLog(log.messagesPath)];
    for (const row of rows) assert.match(row.atText, /^\d{8}-\d\d:\d\d:\d\d\.\d{6}$/);
    assert.ok(rows.every((r) => Math.abs(r.atMs - atMs) < 1000));
  });

  test('Password(554) and NewPassword(925) are masked with stars of the same length', () => {
    const log = FileLog.open(tmpDir(), ID);
    const logon = fix('35=A\x0134=1\x01553=alice\x01554=s3cret\x01925=newpass99\x01');
    const original = Buffer.from(logon);
    log.message('IN', logon, T0);
    // Not a field start: 1554= and a value containing 554= stay as they are.
    const other = fix('35=A\x0158=x554=keep\x011554=keep\x01');
    log.message('IN', other, T0);
    log.close();
    assert.deepEqual(logon, original, 'the caller\'s buffer is untouched');
    const rows = [...readMessageLog(log.messagesPath)];
    const masked = rows[0]!.bytes.toString('latin1');
    assert.ok(masked.includes('\x01554=******\x01925=*********\x01'), masked);
    assert.ok(!masked.includes('s3cret') && !masked.includes('newpass99'));
    assert.equal(rows[0]!.bytes.length, logon.length);
    assert.deepEqual(rows[1]!.bytes, other);
    assert.ok(!fs.readFileSync(log.messagesPath, 'latin1').includes('s3cret'));
  });

  test('random messages are logged exactly: passwords masked at field starts only, CR/LF in base64, time to the microsecond', () => {
    // Reference: the file format written out by hand, independently of FileLog.
    const maskRef = (msg: string): string =>
      msg.split('\x01').map((f) => (f.startsWith('554=') || f.startsWith('925=') ? f.slice(0, 4) + '*'.repeat(f.length - 4) : f)).join('\x01');
    let seed = 7;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const pieces = ['554=', '925=', '1554=', '=', 'a', 'Z9', '\x01', '\n', '\r', '\xe9', '\xff', '55', '4=', '92', '5=x'];
    const tags = ['554', '925', '1554', '5540', '55', '58', '9250', '35'];
    const log = FileLog.open(tmpDir(), ID);
    let expected = '';
    let atMs = T0;
    for (let i = 0; i < 3000; i++) {
      let msg = '';
      const fields = 1 + rnd(8);
      for (let f = 0; f < fields; f++) {
        msg += `${tags[rnd(tags.length)]}=`;
        for (let k = rnd(5); k > 0; k--) msg += rnd(3) === 0 ? pieces[rnd(pieces.length)] : 'v';
        if (f < fields - 1 || rnd(2) === 0) msg += '\x01';
      }
      if (i === 1500) msg = `554=${'p'.repeat(600_000)}\x0158=big\x01`; // larger than half the batch buffer
      atMs += rnd(700);
      const dir = rnd(2) === 0 ? 'IN' : 'OUT';
      const bytes = Buffer.from(msg, 'latin1');
      log.message(dir, bytes, atMs);
      assert.equal(bytes.toString('latin1'), msg, 'the caller\'s bytes are untouched');
      const masked = maskRef(msg);
      const stamp = formatTimestamp(atMs * 1000);
      expected += /[\r\n]/.test(msg)
        ? `${stamp} ${dir}64 ${Buffer.from(masked, 'latin1').toString('base64')}\n`
        : `${stamp} ${dir} ${masked}\n`;
    }
    log.close();
    assert.ok(atMs - T0 > 100_000, 'the messages span many seconds');
    const text = fs.readFileSync(log.messagesPath, 'latin1');
    assert.equal(text.length, expected.length);
    assert.ok(text === expected, 'the log file is exactly the reference');
  });

  test('a message containing CR or LF stays one line and reads back byte for byte', () => {
    const log = FileLog.open(tmpDir(), ID);
    const weird = Buffer.from('8=FIX.4.4\x019=5\x0158=a\nb\r\x01554=pw\x0110=000\x01', 'latin1');
    log.message('IN', weird, T0);
    log.message('OUT', fix('35=0\x01'), T0);
    log.close();
    const rows = [...readMessageLog(log.messagesPath)];
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0]!.bytes, Buffer.from('8=FIX.4.4\x019=5\x0158=a\nb\r\x01554=**\x0110=000\x01', 'latin1'));
    assert.equal(rows[0]!.direction, 'IN');
    assert.equal(rows[1]!.line, 2);
  });

  test('writes are batched: nothing reaches the file until the turn ends, then all of it', async () => {
    const log = FileLog.open(tmpDir(), ID);
    for (let i = 1; i <= 100; i++) log.message('OUT', fix(`35=0\x0134=${i}\x01`), T0);
    log.event('Logon received', T0);
    assert.equal(fs.statSync(log.messagesPath).size, 0);
    assert.equal(fs.statSync(log.eventsPath).size, 0);
    await nextTurn();
    await nextTurn();
    assert.equal([...readMessageLog(log.messagesPath)].length, 100);
    assert.equal(fs.readFileSync(log.eventsPath, 'utf8'), '20240309-23:59:58.123000 Logon received\n');
    log.close();
  });

  test('a request read in one turn and its reply sent from that turn\'s check phase leave in one write, after the reply', async () => {
    const log = FileLog.open(tmpDir(), ID);
    const sizes: number[] = [];
    // poll phase: the request arrives; check phase of the same turn: the gateway answers it (sequencer drain)
    log.message('IN', fix('35=D\x0134=2\x01'), T0);
    await new Promise<void>((resolve) => setImmediate(() => {
      sizes.push(fs.statSync(log.messagesPath).size);
      log.message('OUT', fix('35=8\x0134=2\x01'), T0);
      resolve();
    }));
    sizes.push(fs.statSync(log.messagesPath).size);
    await nextTurn();
    await nextTurn();
    assert.deepEqual(sizes, [0, 0], 'nothing written before or right after the reply was composed');
    assert.deepEqual([...readMessageLog(log.messagesPath)].map((r) => r.direction), ['IN', 'OUT'], 'both lines, in order, in the next turn');
    log.close();
  });

  test('a message its sender marks plain is logged byte for byte as the same message looked at', () => {
    const a = FileLog.open(tmpDir(), ID);
    const b = FileLog.open(tmpDir(), ID);
    for (let i = 1; i <= 50; i++) {
      const msg = fix(`35=8\x0134=${i}\x0111=ORD-${i}\x0158=fill ${'x'.repeat(i)}\x01`);
      a.message('OUT', msg, T0 + i, true);
      b.message('OUT', msg, T0 + i);
    }
    a.close();
    b.close();
    assert.deepEqual(fs.readFileSync(a.messagesPath), fs.readFileSync(b.messagesPath));
    assert.equal([...readMessageLog(a.messagesPath)].length, 50);
  });

  test('the buffer is bounded: a burst larger than it is flushed early within the turn', () => {
    const log = FileLog.open(tmpDir(), ID);
    const big = fix(`35=8\x0158=${'x'.repeat(10_000)}\x01`);
    for (let i = 0; i < 300; i++) log.message('OUT', big, T0); // ~3 MB in one turn
    const sizeBeforeTurnEnds = fs.statSync(log.messagesPath).size;
    assert.ok(sizeBeforeTurnEnds > 1_000_000, `flushed ${sizeBeforeTurnEnds} bytes early`);
    log.close();
    assert.equal([...readMessageLog(log.messagesPath)].length, 300);
  });

  test('a message larger than the whole buffer is written in one piece', () => {
    const log = FileLog.open(tmpDir(), ID);
    const huge = fix(`35=8\x0158=${'y'.repeat(3 * 1024 * 1024)}\x01554=pw\x01`);
    log.message('IN', fix('35=0\x01'), T0);
    log.message('IN', huge, T0);
    log.close();
    const rows = [...readMessageLog(log.messagesPath)];
    assert.equal(rows.length, 2);
    assert.equal(rows[1]!.bytes.length, huge.length);
    assert.ok(rows[1]!.bytes.toString('latin1').endsWith('\x01554=**\x0110=123\x01'));
  });

  test('close flushes everything, and the log appends across reopen', () => {
    const dir = tmpDir();
    let log = FileLog.open(dir, ID);
    log.message('IN', fix('35=0\x01'), T0);
    log.event('Disconnected: peer closed', T0);
    log.close();
    log = FileLog.open(dir, ID);
    log.message('OUT', fix('35=0\x01'), T0 + 1);
    log.event('second\nline', T0 + 1);
    log.close();
    assert.deepEqual([...readMessageLog(log.messagesPath)].map((r) => r.direction), ['IN', 'OUT']);
    assert.equal(fs.readFileSync(log.eventsPath, 'utf8'),
      '20240309-23:59:58.123000 Disconnected: peer closed\n20240309-23:59:58.124000 second line\n');
    assert.throws(() => log.message('IN', fix('35=0\x01'), T0), /after close/);
  });

  test('readMessageLog skips a torn last line and names the line of a malformed one', () => {
    const dir = tmpDir();
    const log = FileLog.open(dir, ID);
    log.message('IN', fix('35=0\x01'), T0);
    log.close();
    fs.appendFileSync(log.messagesPath, '20240309-23:59:58.123000 OUT 8=FIX.4.4\x019=');
    assert.equal([...readMessageLog(log.messagesPath)].length, 1);
    fs.appendFileSync(log.messagesPath, '\nnot a timestamp IN x\n');
    assert.throws(() => [...readMessageLog(log.messagesPath)], /:3: bad timestamp/);
    fs.writeFileSync(log.messagesPath, '20240309-23:59:58.123000 SIDEWAYS 8=FIX\n');
    assert.throws(() => [...readMessageLog(log.messagesPath)], /:1: bad direction "SIDEWAYS"/);
  });

  test('after a SIGKILL the log holds whole lines only, in order, up to the last flushed turn', async () => {
    const dir = tmpDir();
    const logModule = fileURLToPath(new URL('../../src/session/message-log.js', import.meta.url));
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { FileLog } = await import(${JSON.stringify(logModule)});
      const log = FileLog.open(${JSON.stringify(dir)}, ${JSON.stringify(ID)});
      let seq = 0;
      const turn = () => {
        for (let i = 0; i < 200; i++) { seq++; log.message('OUT', Buffer.from('8=FIX.4.4\\x0134=' + seq + '\\x01'), Date.now()); }
        setImmediate(turn);
      };
      turn();
    `], { stdio: 'ignore' });
    const file = path.join(dir, 'FIX.4.4-FIXGW-CLIENT1.messages.log');
    while (!fs.existsSync(file) || fs.statSync(file).size < 500_000) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    let expected = 1;
    for (const row of readMessageLog(file)) {
      assert.equal(row.bytes.toString('latin1'), `8=FIX.4.4\x0134=${expected}\x01`);
      expected++;
    }
    assert.ok(expected > 10_000, `read ${expected - 1} lines`);
  });

  test('NullLog accepts everything and writes nothing', () => {
    const log = new NullLog();
    log.message('IN', fix('35=0\x01'), T0);
    log.event('x', T0);
    log.close();
  });
});

describe('timestamps', () => {
  test('format and parse are inverse, to the microsecond', () => {
    const us = T0 * 1000 + 456;
    assert.equal(formatTimestamp(us), '20240309-23:59:58.123456');
    assert.equal(parseTimestamp('20240309-23:59:58.123456'), us);
    assert.equal(parseTimestamp('2024-03-09 23:59:58'), undefined);
  });
});

describe('log file names and the audit', () => {
  test('the audit takes our CompID from an escaped file name (SenderCompID GW:1) to tell directions apart', async () => {
    const { readLogs } = await import('../../src/audit/log-messages.js');
    const { encodeMessage } = await import('../../src/fix/encode.js');
    const id: SessionId = { beginString: 'FIX.4.4', senderCompId: 'GW:1', targetCompId: 'CLIENT/1' };
    const log = FileLog.open(tmpDir(), id);
    assert.equal(path.basename(log.messagesPath), 'FIX.4.4-GW%3A1-CLIENT%2F1.messages.log');
    log.close();
    // a QuickFIX-style log line carries no direction: it comes from who is "us" (the file name's SenderCompID)
    const logon = encodeMessage('FIX.4.4', 'A', [[34, '1'], [49, 'CLIENT/1'], [52, '20240309-23:59:58.123'], [56, 'GW:1']], [[98, '0'], [108, '30']]);
    fs.writeFileSync(log.messagesPath, `20240309-23:59:58.123 : ${logon.toString('latin1')}\n`, 'latin1');
    const directions: Array<string | undefined> = [];
    for await (const item of readLogs([log.messagesPath])) if (item.kind === 'message') directions.push(item.m.direction);
    assert.deepEqual(directions, ['IN']);
  });
});
