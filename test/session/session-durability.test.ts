// A store whose durability comes later (as a replicated store's does: saveSent returns at once, an acknowledgement
// follows) plugs into the session: nothing stored but not yet durable reaches the socket, and the order of the bytes
// is kept (an admin message sent meanwhile waits behind the application messages before it). A SendBatch across
// sessions waits for every store of the batch before any socket gets a byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Framer } from '../../src/fix/framer.js';
import { parseMessage } from '../../src/fix/message.js';
import { Acceptor } from '../../src/session/acceptor.js';
import { NullLog } from '../../src/session/message-log.js';
import { SendBatch } from '../../src/session/send-batch.js';
import type { SessionId } from '../../src/session/session-id.js';
import { MemoryStore, type MessageStore } from '../../src/session/store.js';
import { fix44, news, RawClient, RecordingApp, sessionConfig, waitFor } from '../support/fix-harness.js';

/** MemoryStore whose writes become durable only when the test acknowledges them (ack()). */
class LateStore extends MemoryStore {
  /** Highest outbound seq saved, and the highest acknowledged. */
  savedThrough = 0;
  durableThrough = 0;
  #waiting: { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void; through: number } | null = null;
  #dirty = false;

  override saveSent(seq: number, bytes: Buffer): void {
    super.saveSent(seq, bytes);
    this.savedThrough = seq;
    this.#dirty = true;
  }
  override setNextTargetSeq(seq: number): void { super.setNextTargetSeq(seq); this.#dirty = true; }
  override setNextSenderSeq(seq: number): void { super.setNextSenderSeq(seq); this.#dirty = true; }
  override incrNextTargetSeq(): void { super.incrNextTargetSeq(); this.#dirty = true; }

  whenDurable(): Promise<void> | undefined {
    if (!this.#dirty) return this.#waiting?.promise;
    this.#dirty = false;
    if (this.#waiting === null) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
      this.#waiting = { promise, resolve, reject, through: this.savedThrough };
    }
    this.#waiting.through = this.savedThrough;
    return this.#waiting.promise;
  }

  /** Everything saved so far is durable now. */
  ack(): void {
    const w = this.#waiting;
    if (w === null) return;
    this.#waiting = null;
    this.durableThrough = w.through;
    w.resolve();
  }

  fail(err: Error): void {
    const w = this.#waiting;
    this.#waiting = null;
    w?.reject(err);
  }
}

const TEMPLATE: SessionId = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: '*' };

async function acceptorWith(stores: Map<string, MessageStore>, make: (target: string) => MessageStore): Promise<Acceptor> {
  return Acceptor.start({
    port: 0, host: '127.0.0.1', dictionary: fix44(), application: new RecordingApp(),
    sessions: [{ config: sessionConfig(TEMPLATE, { heartBtIntS: 1 }), dynamic: true }],
    openStore: (id) => { const s = make(id.targetCompId); stores.set(id.targetCompId, s); return s; },
    openLog: () => new NullLog(),
  });
}

/** A raw client that, for each message it reads, notes whether the gateway's store had made it durable by then. */
async function watchedLogon(port: number, sender: string, store: () => LateStore | undefined): Promise<{ client: RawClient; early: number[] }> {
  const client = await RawClient.connect(port);
  const early: number[] = [];
  const seen = client.received.length;
  client.socket.on('data', () => {
    const s = store();
    for (const m of client.received.slice(seen)) {
      if (m.msgType === 'B' && s !== undefined && m.seqNum! > s.durableThrough) early.push(m.seqNum!);
    }
  });
  client.send('A', 1, [[98, '0'], [108, '1']], { sender });
  return { client, early };
}

const quiet = (ms = 120) => new Promise((r) => setTimeout(r, ms));

test('with a store whose durability comes later, stored messages reach the socket only once durable, in order', async () => {
  const stores = new Map<string, MessageStore>();
  const acceptor = await acceptorWith(stores, () => new LateStore(Date.now()));
  const store = () => stores.get('LATE1') as LateStore | undefined;
  const { client, early } = await watchedLogon(acceptor.port, 'LATE1', store);
  try {
    await waitFor('logon stored', () => store() !== undefined);
    await quiet(50);
    assert.deepEqual(client.received.map((m) => m.msgType), [], 'the Logon answer waits for the seqnums to be durable');
    store()!.ack();
    await client.next('A');
    const session = acceptor.session('FIX.4.4:FIXGW->LATE1')!;
    await waitFor('logged on', () => session.isLoggedOn);
    for (let i = 0; i < 3; i++) session.send('B', news(`n${i}`));
    await quiet(1200); // a heartbeat falls due meanwhile (HeartBtInt=1): it must not overtake n0..n2
    assert.deepEqual(client.received.map((m) => m.msgType), [], 'nothing of it before the store is durable');
    assert.equal(store()!.durableThrough < store()!.savedThrough, true);
    store()!.ack();
    await waitFor('three news', () => client.received.filter((m) => m.msgType === 'B').length === 3);
    const seqs = client.received.map((m) => m.seqNum!);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in sequence order');
    assert.deepEqual(client.received.slice(0, 3).map((m) => m.get(148)), ['n0', 'n1', 'n2']);
    assert.deepEqual(early, [], 'no message read before the store acknowledged it');
  } finally {
    client.close();
    await acceptor.stop(0);
  }
});

test('a store that cannot make its writes durable ends the session: nothing of what it held is sent', async () => {
  const stores = new Map<string, MessageStore>();
  const acceptor = await acceptorWith(stores, () => new LateStore(Date.now()));
  const store = () => stores.get('LATE2') as LateStore | undefined;
  const { client } = await watchedLogon(acceptor.port, 'LATE2', store);
  try {
    await waitFor('logon stored', () => store() !== undefined);
    store()!.ack();
    await client.next('A');
    const session = acceptor.session('FIX.4.4:FIXGW->LATE2')!;
    await waitFor('logged on', () => session.isLoggedOn);
    session.send('B', news('never durable'));
    store()!.fail(new Error('replication lost'));
    await waitFor('disconnected', () => client.closed);
    assert.deepEqual(client.received.filter((m) => m.msgType === 'B'), []);
  } finally {
    client.close();
    await acceptor.stop(0);
  }
});

test("a SendBatch across sessions: no socket gets a byte of the batch before every session's store is durable", async () => {
  const stores = new Map<string, MessageStore>();
  const acceptor = await acceptorWith(stores, (target) => (target === 'SLOW' ? new LateStore(Date.now()) : new MemoryStore(Date.now())));
  const slowStore = () => stores.get('SLOW') as LateStore | undefined;
  const slow = await watchedLogon(acceptor.port, 'SLOW', slowStore);
  const fast = await RawClient.connect(acceptor.port);
  fast.send('A', 1, [[98, '0'], [108, '30']], { sender: 'FAST' });
  try {
    await waitFor('slow logon stored', () => slowStore() !== undefined);
    slowStore()!.ack();
    await slow.client.next('A');
    await fast.next('A');
    const a = acceptor.session('FIX.4.4:FIXGW->SLOW')!;
    const b = acceptor.session('FIX.4.4:FIXGW->FAST')!;
    await waitFor('both logged on', () => a.isLoggedOn && b.isLoggedOn);
    const batch = new SendBatch();
    batch.send(b, 'B', news('fill for FAST'));
    batch.send(a, 'B', news('fill for SLOW'));
    batch.end();
    await quiet();
    assert.deepEqual(fast.received.map((m) => m.msgType), [], "FAST's fill waits for SLOW's store: a crash could still lose SLOW's");
    slowStore()!.ack();
    await fast.next('B');
    await slow.client.next('B');
  } finally {
    slow.client.close();
    fast.close();
    await acceptor.stop(0);
  }
});

test('a SendBatch over stores that are durable when flushed leaves each session in one write', async () => {
  const stores = new Map<string, MessageStore>();
  const acceptor = await acceptorWith(stores, () => new MemoryStore(Date.now()));
  const client = await RawClient.connect(acceptor.port);
  client.send('A', 1, [[98, '0'], [108, '30']], { sender: 'ONE' });
  try {
    await client.next('A');
    const session = acceptor.session('FIX.4.4:FIXGW->ONE')!;
    const chunks: number[] = [];
    client.socket.on('data', (chunk: Buffer) => chunks.push(chunk.length));
    const batch = new SendBatch();
    for (let i = 0; i < 20; i++) batch.send(session, 'B', news(`burst ${i}`));
    await waitFor('twenty news', () => client.received.filter((m) => m.msgType === 'B').length === 20);
    assert.equal(chunks.length, 1, `one write for the batch (${chunks.length} chunks)`);
  } finally {
    client.close();
    await acceptor.stop(0);
  }
});

/** MemoryStore that counts what a flush has written (a file store's batch reaches its files only on flush). */
class FlushedStore extends MemoryStore {
  savedThrough = 0;
  flushedThrough = 0;
  override saveSent(seq: number, bytes: Buffer): void { super.saveSent(seq, bytes); this.savedThrough = seq; }
  override flush(): void { this.flushedThrough = this.savedThrough; }
}

test('a batch larger than the copy slab still reaches the kernel only after the store is flushed', async () => {
  const stores = new Map<string, MessageStore>();
  const acceptor = await acceptorWith(stores, () => new FlushedStore(Date.now()));
  const client = await RawClient.connect(acceptor.port);
  client.send('A', 1, [[98, '0'], [108, '30']], { sender: 'BIG' });
  const proto = net.Socket.prototype as unknown as { _write: Function; _writev: Function };
  const { _write, _writev } = proto;
  const early: number[] = [];
  const check = (socket: net.Socket, chunks: Buffer[]) => {
    if (socket.localPort !== acceptor.port) return; // only the acceptor's side
    const store = stores.get('BIG') as FlushedStore;
    const framer = new Framer();
    for (const c of chunks) framer.push(c);
    for (let f = framer.next(); f !== null; f = framer.next()) {
      const m = parseMessage(f.bytes);
      if (!('garbled' in m) && m.msgType === 'B' && m.seqNum! > store.flushedThrough) early.push(m.seqNum!);
    }
  };
  try {
    await client.next('A');
    proto._write = function (this: net.Socket, chunk: Buffer, encoding: BufferEncoding, cb: Function) {
      check(this, [chunk]);
      return _write.call(this, chunk, encoding, cb);
    };
    proto._writev = function (this: net.Socket, chunks: Array<{ chunk: Buffer }>, cb: Function) {
      check(this, chunks.map((c) => c.chunk));
      return _writev.call(this, chunks, cb);
    };
    const session = acceptor.session('FIX.4.4:FIXGW->BIG')!;
    const batch = new SendBatch();
    for (let i = 0; i < 400; i++) batch.send(session, 'B', news(`burst ${i} ${'x'.repeat(i % 50 === 49 ? 12_000 : 150)}`));
    await waitFor('400 news', () => client.received.filter((m) => m.msgType === 'B').length === 400, 10_000);
    assert.deepEqual(early, [], 'no message reached the kernel before its store was flushed');
  } finally {
    proto._write = _write;
    proto._writev = _writev;
    client.close();
    await acceptor.stop(0);
  }
});
