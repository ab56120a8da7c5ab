// MessageStore behaviour, for MemoryStore and FileStore alike, then what only FileStore promises:
// persistence across reopen, recovery from a crash mid-write, bounded index memory.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MemoryStore, type MessageStore } from '../../src/session/store.js';
import { FileStore } from '../../src/session/file-store.js';
import { fileSafeName, sessionKey, type SessionId } from '../../src/session/session-id.js';
import { tempDirs } from '../support/temp-dirs.js';

const ID: SessionId = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'CLIENT1' };
const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

const tmpDir = tempDirs('fixgw-store-');

function msg(seq: number, extra = ''): Buffer {
  return Buffer.from(`8=FIX.4.4\x019=20\x0135=8\x0134=${seq}\x0158=${extra}\x0110=000\x01`);
}

function seqsOf(rows: Array<{ seq: number }>): number[] {
  return rows.map((r) => r.seq);
}

const kinds: Array<{ name: string; make: () => MessageStore }> = [
  { name: 'MemoryStore', make: () => new MemoryStore(T0) },
  { name: 'FileStore', make: () => FileStore.open(tmpDir(), ID, { nowMs: T0 }) },
  { name: 'FileStore (sync)', make: () => FileStore.open(tmpDir(), ID, { nowMs: T0, sync: true }) },
  { name: 'FileStore (batched target seqs)', make: () => FileStore.open(tmpDir(), ID, { nowMs: T0, targetSeqWrites: 'batched' }) },
];

describe('session ids', () => {
  test('key and file name follow QuickFIX conventions', () => {
    assert.equal(sessionKey(ID), 'FIX.4.4:FIXGW->CLIENT1');
    assert.equal(fileSafeName(ID), 'FIX.4.4-FIXGW-CLIENT1');
  });

  test('a hostile CompID cannot escape the directory', () => {
    const name = fileSafeName({ beginString: 'FIX.4.4', senderCompId: '../../etc', targetCompId: '..' });
    assert.ok(!name.includes('/'));
    assert.equal(name, 'FIX.4.4-..%2F..%2Fetc-..');
  });
});

for (const kind of kinds) {
  describe(kind.name, () => {
    test('a new store starts at 1/1 with the given creation time', () => {
      const store = kind.make();
      assert.equal(store.nextSenderSeq, 1);
      assert.equal(store.nextTargetSeq, 1);
      assert.equal(store.creationTimeMs, T0);
      store.close();
    });

    test('saveSent stores the bytes and advances nextSenderSeq to seq+1', () => {
      const store = kind.make();
      store.saveSent(1, msg(1));
      store.saveSent(2, msg(2, 'second'));
      assert.equal(store.nextSenderSeq, 3);
      const rows = store.readRange(1, 2, 10);
      assert.deepEqual(seqsOf(rows), [1, 2]);
      assert.deepEqual(rows[1]!.bytes, msg(2, 'second'));
      store.close();
    });

    test('the store keeps its own copy of the bytes', () => {
      const store = kind.make();
      const buf = msg(1, 'original');
      store.saveSent(1, buf);
      buf.fill(0x41);
      assert.deepEqual(store.readRange(1, 1, 1)[0]!.bytes, msg(1, 'original'));
      store.close();
    });

    test('readRange returns only stored seqs in the range, ascending, at most maxCount', () => {
      const store = kind.make();
      for (const seq of [1, 2, 3, 7, 8, 20]) store.saveSent(seq, msg(seq));
      assert.deepEqual(seqsOf(store.readRange(2, 8, 100)), [2, 3, 7, 8]);
      assert.deepEqual(seqsOf(store.readRange(2, 8, 3)), [2, 3, 7]);
      assert.deepEqual(seqsOf(store.readRange(4, 6, 100)), []);
      assert.deepEqual(seqsOf(store.readRange(9, 1_000_000, 100)), [20]);
      assert.deepEqual(seqsOf(store.readRange(8, 2, 100)), []);
      assert.deepEqual(seqsOf(store.readRange(1, 20, 0)), []);
      store.close();
    });

    test('paging through a range returns every message exactly once', () => {
      const store = kind.make();
      for (let seq = 1; seq <= 300; seq++) store.saveSent(seq, msg(seq, 'x'.repeat(seq % 50)));
      const seen: number[] = [];
      let from = 1;
      for (;;) {
        const page = store.readRange(from, 300, 64);
        if (page.length === 0) break;
        for (const row of page) {
          assert.deepEqual(row.bytes, msg(row.seq, 'x'.repeat(row.seq % 50)));
          seen.push(row.seq);
        }
        from = page[page.length - 1]!.seq + 1;
      }
      assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i + 1));
      store.close();
    });

    test('target seq: set and increment', () => {
      const store = kind.make();
      store.incrNextTargetSeq();
      store.incrNextTargetSeq();
      assert.equal(store.nextTargetSeq, 3);
      store.setNextTargetSeq(100);
      assert.equal(store.nextTargetSeq, 100);
      store.close();
    });

    test('saving a seq already stored replaces it and drops the later ones', () => {
      const store = kind.make();
      for (let seq = 1; seq <= 5; seq++) store.saveSent(seq, msg(seq, 'old'));
      store.setNextSenderSeq(3);
      store.saveSent(3, msg(3, 'new'));
      assert.equal(store.nextSenderSeq, 4);
      const rows = store.readRange(1, 10, 10);
      assert.deepEqual(seqsOf(rows), [1, 2, 3]);
      assert.deepEqual(rows[2]!.bytes, msg(3, 'new'));
      store.close();
    });

    test('reset drops messages, puts seqs back to 1/1 and stamps the creation time', () => {
      const store = kind.make();
      for (let seq = 1; seq <= 5; seq++) store.saveSent(seq, msg(seq));
      store.setNextTargetSeq(42);
      store.reset(T0 + 1000);
      assert.equal(store.nextSenderSeq, 1);
      assert.equal(store.nextTargetSeq, 1);
      assert.equal(store.creationTimeMs, T0 + 1000);
      assert.deepEqual(store.readRange(1, 100, 100), []);
      store.saveSent(1, msg(1, 'after reset'));
      assert.deepEqual(store.readRange(1, 100, 100)[0]!.bytes, msg(1, 'after reset'));
      store.close();
    });

    test('bad sequence numbers are bugs and throw', () => {
      const store = kind.make();
      assert.throws(() => store.saveSent(0, msg(0)), RangeError);
      assert.throws(() => store.setNextSenderSeq(-1), RangeError);
      assert.throws(() => store.setNextTargetSeq(1.5), RangeError);
      store.close();
    });
  });
}

describe('FileStore on disk', () => {
  test('writes QuickFIX-named files', () => {
    const dir = tmpDir();
    FileStore.open(dir, ID, { nowMs: T0 }).close();
    const names = fs.readdirSync(dir).sort();
    assert.deepEqual(names, ['FIX.4.4-FIXGW-CLIENT1.body', 'FIX.4.4-FIXGW-CLIENT1.header',
      'FIX.4.4-FIXGW-CLIENT1.seqnums', 'FIX.4.4-FIXGW-CLIENT1.session']);
  });

  test('seqs, messages and creation time survive a reopen', () => {
    const dir = tmpDir();
    let store = FileStore.open(dir, ID, { nowMs: T0 });
    for (let seq = 1; seq <= 10; seq++) store.saveSent(seq, msg(seq));
    store.setNextTargetSeq(7);
    store.close();

    store = FileStore.open(dir, ID, { nowMs: T0 + 999_999 });
    assert.equal(store.nextSenderSeq, 11);
    assert.equal(store.nextTargetSeq, 7);
    assert.equal(store.creationTimeMs, T0);
    assert.deepEqual(store.recoveryNotes, []);
    assert.deepEqual(seqsOf(store.readRange(1, 10, 100)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    store.saveSent(11, msg(11));
    store.close();

    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.nextSenderSeq, 12);
    assert.deepEqual(store.readRange(11, 11, 1)[0]!.bytes, msg(11));
    store.close();
  });

  test('sessions in the same directory do not share files', () => {
    const dir = tmpDir();
    const other: SessionId = { ...ID, targetCompId: 'CLIENT2' };
    const a = FileStore.open(dir, ID, { nowMs: T0 });
    const b = FileStore.open(dir, other, { nowMs: T0 });
    a.saveSent(1, msg(1, 'a'));
    b.setNextTargetSeq(9);
    assert.equal(b.nextSenderSeq, 1);
    assert.deepEqual(b.readRange(1, 10, 10), []);
    assert.equal(a.nextTargetSeq, 1);
    a.close();
    b.close();
  });

  test('a lowered sender seq (SequenceReset) holds across reopen', () => {
    const dir = tmpDir();
    let store = FileStore.open(dir, ID, { nowMs: T0 });
    for (let seq = 1; seq <= 10; seq++) store.saveSent(seq, msg(seq));
    store.setNextSenderSeq(5);
    store.close();
    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.nextSenderSeq, 5);
    store.saveSent(5, msg(5, 'again'));
    store.close();
    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.nextSenderSeq, 6);
    assert.deepEqual(seqsOf(store.readRange(1, 100, 100)), [1, 2, 3, 4, 5]);
    assert.deepEqual(store.readRange(5, 5, 1)[0]!.bytes, msg(5, 'again'));
    store.close();
  });

  test('a raised sender seq holds across reopen, and later sends carry on from it', () => {
    const dir = tmpDir();
    let store = FileStore.open(dir, ID, { nowMs: T0 });
    store.saveSent(1, msg(1));
    store.setNextSenderSeq(50);
    store.close();
    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.nextSenderSeq, 50);
    store.saveSent(50, msg(50));
    store.close();
    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.nextSenderSeq, 51);
    assert.deepEqual(seqsOf(store.readRange(1, 100, 100)), [1, 50]);
    store.close();
  });

  test('the sender seq is never behind a stored message, even when seqnums is stale', () => {
    const dir = tmpDir();
    const seqnums = path.join(dir, `${fileSafeName(ID)}.seqnums`);
    let store = FileStore.open(dir, ID, { nowMs: T0 });
    store.setNextTargetSeq(3);
    const staleSeqnums = fs.readFileSync(seqnums);
    for (let seq = 1; seq <= 4; seq++) store.saveSent(seq, msg(seq));
    store.close();
    // saveSent does not touch seqnums; even a seqnums from before the sends must not lose them.
    fs.writeFileSync(seqnums, staleSeqnums);
    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.nextSenderSeq, 5);
    assert.equal(store.nextTargetSeq, 3);
    store.close();
  });

  test('a torn seqnums write falls back to the previous slot', () => {
    const dir = tmpDir();
    const seqnums = path.join(dir, `${fileSafeName(ID)}.seqnums`);
    let store = FileStore.open(dir, ID, { nowMs: T0 });
    store.setNextTargetSeq(10);
    store.setNextTargetSeq(11);
    store.close();
    // Corrupt the slot holding target 11 (whichever it is).
    const bytes = fs.readFileSync(seqnums);
    const at = bytes.toString('latin1').indexOf(' 0000000011 ');
    assert.ok(at > 0);
    bytes[at + 5] = 0x39;
    fs.writeFileSync(seqnums, bytes);
    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.nextTargetSeq, 10);
    store.close();
  });

  for (const cut of ['body', 'header'] as const) {
    test(`a crash mid-write of the ${cut} file loses only the torn message, and the store carries on`, () => {
      const dir = tmpDir();
      const file = path.join(dir, `${fileSafeName(ID)}.${cut}`);
      let store = FileStore.open(dir, ID, { nowMs: T0 });
      for (let seq = 1; seq <= 20; seq++) store.saveSent(seq, msg(seq, 'payload'));
      store.close();
      // SIGKILL in the middle of writing message 20: its last bytes never reached the file.
      const size = fs.statSync(file).size;
      fs.truncateSync(file, size - 5);

      store = FileStore.open(dir, ID, { nowMs: T0 });
      assert.ok(store.recoveryNotes.length > 0, 'recovery is reported');
      assert.equal(store.nextSenderSeq, 20);
      assert.deepEqual(seqsOf(store.readRange(1, 100, 100)), Array.from({ length: 19 }, (_, i) => i + 1));
      store.saveSent(20, msg(20, 'resent'));
      store.saveSent(21, msg(21));
      store.close();

      store = FileStore.open(dir, ID, { nowMs: T0 });
      assert.deepEqual(store.recoveryNotes, []);
      assert.equal(store.nextSenderSeq, 22);
      assert.deepEqual(store.readRange(20, 20, 1)[0]!.bytes, msg(20, 'resent'));
      assert.equal(store.readRange(1, 100, 100).length, 21);
      store.close();
    });
  }

  test('a zero-filled index tail (power cut) and a garbage body tail are cut off', () => {
    const dir = tmpDir();
    const stem = path.join(dir, fileSafeName(ID));
    let store = FileStore.open(dir, ID, { nowMs: T0 });
    for (let seq = 1; seq <= 3; seq++) store.saveSent(seq, msg(seq));
    store.close();
    fs.appendFileSync(`${stem}.header`, Buffer.alloc(28 * 3));
    fs.appendFileSync(`${stem}.body`, Buffer.from('8=FIX.4.4\x019=garbage'));
    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.recoveryNotes.length, 2);
    assert.equal(store.nextSenderSeq, 4);
    store.saveSent(4, msg(4));
    assert.deepEqual(seqsOf(store.readRange(1, 10, 10)), [1, 2, 3, 4]);
    store.close();
  });

  test('an index record whose body never reached the disk is dropped', () => {
    const dir = tmpDir();
    const stem = path.join(dir, fileSafeName(ID));
    let store = FileStore.open(dir, ID, { nowMs: T0 });
    for (let seq = 1; seq <= 3; seq++) store.saveSent(seq, msg(seq));
    store.close();
    // Body of message 3 overwritten with zeros: the index record is there, the bytes are not.
    const body = fs.readFileSync(`${stem}.body`);
    const len = msg(3).length;
    body.fill(0, body.length - len);
    fs.writeFileSync(`${stem}.body`, body);
    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.nextSenderSeq, 3);
    assert.deepEqual(seqsOf(store.readRange(1, 10, 10)), [1, 2]);
    store.close();
  });

  test('reset truncates the files and survives a reopen', () => {
    const dir = tmpDir();
    const stem = path.join(dir, fileSafeName(ID));
    let store = FileStore.open(dir, ID, { nowMs: T0 });
    for (let seq = 1; seq <= 5; seq++) store.saveSent(seq, msg(seq, 'before'));
    store.reset(T0 + 5000);
    assert.equal(fs.statSync(`${stem}.body`).size, 0);
    assert.equal(fs.statSync(`${stem}.header`).size, 0);
    store.saveSent(1, msg(1, 'after'));
    store.close();
    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.creationTimeMs, T0 + 5000);
    assert.equal(store.nextSenderSeq, 2);
    assert.equal(store.nextTargetSeq, 1);
    assert.deepEqual(store.readRange(1, 10, 10).map((r) => r.bytes), [msg(1, 'after')]);
    store.close();
  });

  test('a crash right after the reset commit point still opens as reset', () => {
    const dir = tmpDir();
    const stem = path.join(dir, fileSafeName(ID));
    let store = FileStore.open(dir, ID, { nowMs: T0 });
    for (let seq = 1; seq <= 5; seq++) store.saveSent(seq, msg(seq));
    store.setNextTargetSeq(9);
    store.close();
    const saved = { body: fs.readFileSync(`${stem}.body`), header: fs.readFileSync(`${stem}.header`), seqnums: fs.readFileSync(`${stem}.seqnums`) };
    store = FileStore.open(dir, ID, { nowMs: T0 });
    store.reset(T0 + 1);
    store.close();
    // Put back everything except the .session file, as if the process died just after renaming it.
    fs.writeFileSync(`${stem}.body`, saved.body);
    fs.writeFileSync(`${stem}.header`, saved.header);
    fs.writeFileSync(`${stem}.seqnums`, saved.seqnums);
    store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(store.creationTimeMs, T0 + 1);
    assert.equal(store.nextSenderSeq, 1);
    assert.equal(store.nextTargetSeq, 1);
    assert.deepEqual(store.readRange(1, 10, 10), []);
    store.close();
  });

  test('SIGKILL of a process in the middle of saving: every stored message reads back, seqs carry on', async () => {
    const dir = tmpDir();
    const storeModule = fileURLToPath(new URL('../../src/session/file-store.js', import.meta.url));
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { FileStore } = await import(${JSON.stringify(storeModule)});
      const store = FileStore.open(${JSON.stringify(dir)}, ${JSON.stringify(ID)}, { nowMs: ${T0} });
      for (let seq = store.nextSenderSeq; ; seq++) {
        store.saveSent(seq, Buffer.from('8=FIX.4.4\\x0135=8\\x0134=' + seq + '\\x0158=' + 'x'.repeat(seq % 300) + '\\x01'));
        if (seq % 5 === 0) store.incrNextTargetSeq();
      }
    `], { stdio: 'ignore' });
    const body = path.join(dir, `${fileSafeName(ID)}.body`);
    while (!fs.existsSync(body) || fs.statSync(body).size < 2_000_000) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const store = FileStore.open(dir, ID, { nowMs: T0 });
    const next = store.nextSenderSeq;
    assert.ok(next > 1000, `stored ${next - 1} before the kill`);
    assert.equal(store.storedCount, next - 1);
    assert.ok(Math.abs(store.nextTargetSeq - 1 - Math.floor((next - 1) / 5)) <= 1, `target ${store.nextTargetSeq} for sender ${next}`);
    let expected = 1;
    for (let from = 1; from < next; from += 5000) {
      for (const row of store.readRange(from, Math.min(next - 1, from + 4999), 5000)) {
        assert.equal(row.seq, expected);
        assert.equal(row.bytes.toString('latin1'), `8=FIX.4.4\x0135=8\x0134=${expected}\x0158=${'x'.repeat(expected % 300)}\x01`);
        expected++;
      }
    }
    assert.equal(expected, next);
    store.saveSent(next, msg(next));
    assert.equal(store.nextSenderSeq, next + 1);
    store.close();
  });

  test('1,000,000 stored messages: the in-memory index stays a few MB and pages read fast', () => {
    const dir = tmpDir();
    const total = 1_000_000;
    let store = FileStore.open(dir, ID, { nowMs: T0 });
    const template = Buffer.from('8=FIX.4.4\x019=40\x0135=8\x0134=0000000\x0110=000\x01');
    const seqAt = template.indexOf('34=') + 3;
    for (let seq = 1; seq <= total; seq++) {
      template.write(String(seq).padStart(7, '0'), seqAt, 'latin1');
      store.saveSent(seq, template);
    }
    assert.ok(store.indexMemoryBytes <= 8 * 1024 * 1024, `index ${store.indexMemoryBytes} bytes`);
    store.close();

    global.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    store = FileStore.open(dir, ID, { nowMs: T0 });
    const grownBytes = process.memoryUsage().arrayBuffers - before;
    assert.equal(store.storedCount, total);
    assert.equal(store.nextSenderSeq, total + 1);
    assert.ok(store.indexMemoryBytes <= 8 * 1024 * 1024, `index ${store.indexMemoryBytes} bytes after reopen`);
    assert.ok(grownBytes < 16 * 1024 * 1024, `open grew arrayBuffers by ${grownBytes} bytes`);
    const page = store.readRange(777_000, 800_000, 500);
    assert.equal(page.length, 500);
    assert.equal(page[0]!.seq, 777_000);
    assert.ok(page[0]!.bytes.includes('34=0777000'));
    assert.equal(page[499]!.seq, 777_499);
    store.close();
  });
});

describe('FileStore.prepare', () => {
  test('makes a new store\'s files ahead; the store opened on them is a new store', async () => {
    const dir = tmpDir();
    await FileStore.prepare(dir, ID);
    const names = fs.readdirSync(dir).sort();
    assert.deepEqual(names.map((n) => n.replace(fileSafeName(ID), '')), ['.body', '.header', '.seqnums', '.session', '.session.tmp']);
    const store = FileStore.open(dir, ID, { nowMs: T0 });
    assert.deepEqual([store.nextSenderSeq, store.nextTargetSeq, store.storedCount], [1, 1, 0]);
    assert.deepEqual(store.recoveryNotes, []);
    store.saveSent(1, msg(1));
    store.reset(T0 + 1);
    store.saveSent(1, msg(1, 'after reset'));
    store.close();
    const again = FileStore.open(dir, ID, { nowMs: T0 });
    assert.equal(again.creationTimeMs, T0 + 1);
    assert.equal(again.readRange(1, 1, 10)[0]!.bytes.toString(), msg(1, 'after reset').toString());
    again.close();
  });

  test('leaves an existing store as it is', async () => {
    const dir = tmpDir();
    const store = FileStore.open(dir, ID, { nowMs: T0 });
    store.saveSent(1, msg(1));
    store.setNextTargetSeq(9);
    store.close();
    const before = new Map(fs.readdirSync(dir).map((n) => [n, fs.readFileSync(path.join(dir, n))]));
    await FileStore.prepare(dir, ID);
    for (const [n, bytes] of before) assert.deepEqual(fs.readFileSync(path.join(dir, n)), bytes, n);
    const again = FileStore.open(dir, ID, { nowMs: T0 + 5 });
    assert.deepEqual([again.nextSenderSeq, again.nextTargetSeq, again.creationTimeMs], [2, 9, T0]);
    again.close();
  });
});
