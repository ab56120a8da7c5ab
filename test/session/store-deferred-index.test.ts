// FileStore with deferred index writes (indexWrites: 'deferred', the gateway's): flush() writes the message bodies
// only, the index records and the seqnums slot follow within INDEX_DEFER_MS, and open-time recovery indexes the
// whole messages it finds in the body past the index. "What a crash would leave" is a copy of the files taken at
// that instant, opened as a FileStore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FileStore, INDEX_DEFER_MS } from '../../src/session/file-store.js';
import { fileSafeName, type SessionId } from '../../src/session/session-id.js';
import { tempDirs } from '../support/temp-dirs.js';

const ID: SessionId = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'CLIENT' };
const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const tmpDir = tempDirs('fixgw-deferred-');

/** A whole FIX message (right BodyLength and CheckSum), as the session stores it. */
function fixMessage(seq: number, text = ''): Buffer {
  const body = `35=8\x0134=${seq}\x0149=FIXGW\x0156=CLIENT\x0152=20240102-03:04:05.678\x0158=report ${seq}${text}\x01`;
  const head = `8=FIX.4.4\x019=${Buffer.byteLength(body, 'latin1')}\x01`;
  let sum = 0;
  for (const b of Buffer.from(head + body, 'latin1')) sum += b;
  return Buffer.from(`${head}${body}10=${String(sum % 256).padStart(3, '0')}\x01`, 'latin1');
}

const file = (dir: string, ext: string) => path.join(dir, `${fileSafeName(ID)}.${ext}`);
const sizeOf = (dir: string, ext: string) => fs.statSync(file(dir, ext)).size;

function copyFiles(dir: string): string {
  const copy = tmpDir();
  for (const ext of ['session', 'body', 'header', 'seqnums']) {
    if (fs.existsSync(file(dir, ext))) fs.copyFileSync(file(dir, ext), file(copy, ext));
  }
  return copy;
}

function crashCopy(dir: string): FileStore {
  return FileStore.open(copyFiles(dir), ID, { nowMs: T0 });
}

/** The files a crash leaves right after a deferred-index store saved and flushed seq 1..n: bodies, no index records. */
function bodiesFlushedCopy(n: number): string {
  const dir = tmpDir();
  const store = FileStore.open(dir, ID, { nowMs: T0, indexWrites: 'deferred' });
  for (let seq = 1; seq <= n; seq++) store.saveSent(seq, fixMessage(seq));
  store.flush();
  const copy = copyFiles(dir);
  store.close();
  return copy;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('with deferred index writes, flush() writes only the bodies; index records and seqnums follow within INDEX_DEFER_MS', async () => {
  const dir = tmpDir();
  const store = FileStore.open(dir, ID, { nowMs: T0, targetSeqWrites: 'batched', indexWrites: 'deferred' });
  const msgs = [1, 2, 3].map((seq) => fixMessage(seq));
  for (const [i, m] of msgs.entries()) store.saveSent(i + 1, m);
  store.incrNextTargetSeq();
  store.flush();
  assert.equal(store.pendingBodyBytes, 0);
  assert.equal(sizeOf(dir, 'body'), msgs.reduce((n, m) => n + m.length, 0));
  assert.equal(sizeOf(dir, 'header'), 0, 'index records not written yet');

  // a crash now: the messages are found in the body; the target seq on file is behind, never ahead
  let copy = crashCopy(dir);
  assert.equal(copy.storedCount, 3);
  assert.equal(copy.nextSenderSeq, 4);
  assert.equal(copy.nextTargetSeq, 1);
  assert.deepEqual(copy.readRange(1, 3, 10).map((r) => r.bytes), msgs);
  assert.match(copy.recoveryNotes.join('\n'), /3 messages found in the body past the index were indexed \(seq 1\.\.3\)/);
  copy.close();

  await sleep(INDEX_DEFER_MS + 20);
  assert.equal(store.pendingBytes, 0);
  assert.equal(sizeOf(dir, 'header'), 3 * 28);
  copy = crashCopy(dir);
  assert.deepEqual(copy.recoveryNotes, []);
  assert.equal(copy.nextTargetSeq, 2);
  assert.equal(copy.nextSenderSeq, 4);
  copy.close();
  store.close();
});

test('a recovered body tail is indexed for good: the reopened store carries on from it and opens clean next time', () => {
  const copy = bodiesFlushedCopy(4);
  let reopened = FileStore.open(copy, ID, { nowMs: T0 });
  assert.equal(reopened.storedCount, 4);
  reopened.saveSent(5, fixMessage(5));
  reopened.close();
  reopened = FileStore.open(copy, ID, { nowMs: T0 });
  assert.deepEqual(reopened.recoveryNotes, []);
  assert.deepEqual(reopened.readRange(1, 10, 10).map((r) => r.seq), [1, 2, 3, 4, 5]);
  assert.equal(reopened.nextSenderSeq, 6);
  reopened.close();
});

test('the body tail is indexed up to the first message that is not whole: torn, wrong checksum, or seq not ascending', () => {
  const cases: Array<{ name: string; damage: (body: string) => void; kept: number[] }> = [
    { name: 'torn last message', damage: (body) => fs.truncateSync(body, fs.statSync(body).size - 5), kept: [1, 2, 3] },
    { name: 'checksum wrong', damage: (body) => {
      const bytes = fs.readFileSync(body);
      const at = bytes.lastIndexOf('10=');
      bytes[at + 3] = bytes[at + 3] === 0x30 ? 0x31 : 0x30;
      fs.writeFileSync(body, bytes);
    }, kept: [1, 2, 3] },
    { name: 'garbage appended', damage: (body) => fs.appendFileSync(body, 'not a FIX message at all'), kept: [1, 2, 3, 4] },
    { name: 'seq going back', damage: (body) => fs.appendFileSync(body, fixMessage(2)), kept: [1, 2, 3, 4] },
  ];
  for (const c of cases) {
    const copy = bodiesFlushedCopy(4);
    c.damage(file(copy, 'body'));
    const opened = FileStore.open(copy, ID, { nowMs: T0 });
    assert.deepEqual(opened.readRange(1, 10, 10).map((r) => r.seq), c.kept, c.name);
    assert.equal(opened.nextSenderSeq, c.kept.length + 1, c.name);
    assert.equal(sizeOf(copy, 'body'), c.kept.reduce((n, seq) => n + fixMessage(seq).length, 0), `${c.name}: body cut after the last kept message`);
    opened.close();
  }
});

test('index records already written and bodies past them are read together; a store opens the same in both modes', () => {
  const dir = tmpDir();
  const withBody = FileStore.open(dir, ID, { nowMs: T0 });
  for (let seq = 1; seq <= 3; seq++) withBody.saveSent(seq, fixMessage(seq));
  withBody.close();
  const deferred = FileStore.open(dir, ID, { nowMs: T0, indexWrites: 'deferred' });
  assert.deepEqual(deferred.recoveryNotes, []);
  for (let seq = 4; seq <= 6; seq++) deferred.saveSent(seq, fixMessage(seq, ' later'));
  deferred.flush(); // bodies of 4..6 written, their records not: a crash copy holds 3 records and 6 bodies
  const copy = crashCopy(dir);
  assert.deepEqual(copy.readRange(1, 10, 10).map((r) => r.bytes), [1, 2, 3].map((s) => fixMessage(s)).concat([4, 5, 6].map((s) => fixMessage(s, ' later'))));
  copy.close();
  deferred.close();
  const again = FileStore.open(dir, ID, { nowMs: T0 });
  assert.deepEqual(again.recoveryNotes, []);
  assert.equal(again.storedCount, 6);
  again.close();
});

test('a reset cut short by a crash never makes the old epoch\'s messages the new one\'s', () => {
  // What a crash inside reset() could leave (also as older versions truncated: index first): the new epoch's
  // session file, an empty index, the old bodies and the old epoch's seqnums slot.
  const dir = tmpDir();
  const store = FileStore.open(dir, ID, { nowMs: T0, indexWrites: 'deferred' });
  for (let seq = 1; seq <= 3; seq++) store.saveSent(seq, fixMessage(seq));
  store.close();
  const copy = copyFiles(dir);
  const later = FileStore.open(dir, ID, { nowMs: T0 });
  later.reset(T0 + 1000);
  later.close();
  fs.copyFileSync(file(dir, 'session'), file(copy, 'session')); // the commit point of the reset made it to disk
  fs.truncateSync(file(copy, 'header'), 0);
  const opened = FileStore.open(copy, ID, { nowMs: T0 });
  assert.equal(opened.storedCount, 0);
  assert.equal(opened.nextSenderSeq, 1);
  assert.equal(sizeOf(copy, 'body'), 0);
  opened.close();
});

test('a reset drops messages whose index records were still deferred, and the index timer never writes them', async () => {
  const dir = tmpDir();
  const store = FileStore.open(dir, ID, { nowMs: T0, indexWrites: 'deferred' });
  for (let seq = 1; seq <= 3; seq++) store.saveSent(seq, fixMessage(seq));
  store.flush();
  store.reset(T0 + 1000);
  store.saveSent(1, fixMessage(1, ' new epoch'));
  store.flush();
  await sleep(INDEX_DEFER_MS + 20);
  const copy = crashCopy(dir);
  assert.deepEqual(copy.readRange(1, 10, 10).map((r) => r.bytes), [fixMessage(1, ' new epoch')]);
  assert.deepEqual(copy.recoveryNotes, []);
  copy.close();
  store.close();
});
