// Resends as background work (outbox.ts, resend-turns.ts, resend-repeats.ts): a few messages per session per
// event-loop turn, round robin; requests that overlap the resend in progress join it; a bound on what is in flight to
// a peer that does not read; repeats answered later and later, then a Logout that says why. The answers stay exact
// FIX: PossDupFlag, OrigSendingTime, gap fills for admin messages, in sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Acceptor } from '../../src/session/acceptor.js';
import type { FixMessage } from '../../src/fix/message.js';
import type { Direction, MessageLog } from '../../src/session/message-log.js';
import { ResendTurns } from '../../src/session/resend-turns.js';
import type { SessionId } from '../../src/session/session-id.js';
import { MemoryStore } from '../../src/session/store.js';
import { fix44, news, RawClient, RecordingApp, sessionConfig, waitFor } from '../support/fix-harness.js';

const TEMPLATE: SessionId = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: '*' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every message a session hands to its socket, in order, by session (the client's CompID). */
const timeline: string[] = [];

/** Counts what the session hands to its socket, and keeps its events. */
class CountingLog implements MessageLog {
  out = 0;
  readonly events: string[] = [];
  constructor(readonly name: string) {}
  message(direction: Direction): void {
    if (direction !== 'OUT') return;
    this.out++;
    if (timeline.length < 200_000) timeline.push(this.name);
  }
  event(text: string): void { this.events.push(text); }
  close(): void {}
}

async function startAcceptor(logs: Map<string, CountingLog>): Promise<Acceptor> {
  return Acceptor.start({
    port: 0, host: '127.0.0.1', dictionary: fix44(), application: new RecordingApp(), sessions: [{ config: sessionConfig(TEMPLATE), dynamic: true }],
    openStore: () => new MemoryStore(Date.now()),
    openLog: (id) => { const log = new CountingLog(id.targetCompId); logs.set(id.targetCompId, log); return log; },
  });
}

/** A raw client logged on as `sender` (every message it sends from then on is from `sender`). */
async function logon(port: number, sender: string): Promise<RawClient> {
  const client = await RawClient.connect(port);
  const send = client.send.bind(client);
  client.send = (msgType, seq, body, opts = {}) => send(msgType, seq, body, { sender, ...opts });
  client.send('A', 1, [[98, '0'], [108, '30']]);
  await client.next('A');
  return client;
}

/** Takes every message received so far of the messages a resend answers (PossDup application messages and gap fills). */
function resent(client: RawClient): FixMessage[] {
  const out: FixMessage[] = [];
  for (let i = 0; i < client.received.length;) {
    if (client.received[i]!.get(43) === 'Y') out.push(...client.received.splice(i, 1));
    else i++;
  }
  return out;
}

test('ResendRequests that overlap the resend in progress join it: one exact answer, admin messages gap-filled', async () => {
  const logs = new Map<string, CountingLog>();
  const acceptor = await startAcceptor(logs);
  const client = await logon(acceptor.port, 'JOIN');
  try {
    const server = acceptor.session('FIX.4.4:FIXGW->JOIN')!;
    for (let i = 0; i < 1000; i++) server.send('B', news(`a${i}`)); // 2..1001
    client.send('1', 2, [[112, 'mid']]); // answered with a Heartbeat, 1002: admin, not stored
    await client.next('0');
    for (let i = 0; i < 1000; i++) server.send('B', news(`b${i}`)); // 1003..2002
    await waitFor('originals', () => client.received.filter((m) => m.msgType === 'B').length === 2000);
    const originalTime = new Map(client.received.map((m) => [m.seqNum!, m.get(52)!]));
    client.received.length = 0;
    // in one write: three whole requests, one inside them, one from the middle to the end
    client.send('2', 3, [[7, '1'], [16, '0']]);
    client.send('2', 4, [[7, '1'], [16, '0']]);
    client.send('2', 5, [[7, '500'], [16, '800']]);
    client.send('2', 6, [[7, '1'], [16, '0']]);
    client.send('2', 7, [[7, '1500'], [16, '0']]);
    await waitFor('the answer', () => client.received.some((m) => m.msgType === '4' && m.get(36) === '1003'));
    await sleep(200); // anything more would arrive now
    const answer = resent(client);
    assert.deepEqual(answer.map((m) => m.seqNum), Array.from({ length: 2002 }, (_, i) => i + 1),
      'one resend, in sequence: a gap fill for the Logon and one for the Heartbeat');
    const [logonFill, ...rest] = answer;
    assert.deepEqual([logonFill!.msgType, logonFill!.get(36), logonFill!.get(123)], ['4', '2', 'Y']);
    const heartbeatFill = rest.find((m) => m.msgType === '4')!;
    assert.deepEqual([heartbeatFill.seqNum, heartbeatFill.get(36)], [1002, '1003']);
    for (const m of rest.filter((r) => r.msgType === 'B')) {
      assert.equal(m.get(122), originalTime.get(m.seqNum!), `OrigSendingTime of ${m.seqNum} is its first SendingTime`);
    }
    assert.equal(logs.get('JOIN')!.events.filter((e) => e.includes('joins the resend in progress')).length, 4);
    assert.equal(client.received.length, 0, 'nothing else was sent');
  } finally {
    client.close();
    await acceptor.stop();
  }
});

test("two sessions' resends take turns, a few messages each per turn, and a third session is answered meanwhile", async () => {
  const logs = new Map<string, CountingLog>();
  const acceptor = await startAcceptor(logs);
  const [a, b, c] = [await logon(acceptor.port, 'A'), await logon(acceptor.port, 'B'), await logon(acceptor.port, 'C')];
  try {
    for (const name of ['A', 'B']) {
      const server = acceptor.session(`FIX.4.4:FIXGW->${name}`)!;
      for (let i = 0; i < 20_000; i++) server.send('B', news(`${name}${i}`));
    }
    await waitFor('originals', () => a.received.length === 20_000 && b.received.length === 20_000, 30_000);
    a.received.length = 0;
    b.received.length = 0;
    const start = timeline.length;
    a.send('2', 2, [[7, '1'], [16, '0']]);
    b.send('2', 2, [[7, '1'], [16, '0']]);
    c.send('1', 2, [[112, 'meanwhile']]);
    await waitFor('both resends', () => a.received.length >= 20_001 && b.received.length >= 20_001, 60_000);
    const sent = timeline.slice(start);
    const before = (name: string) => sent.slice(0, sent.indexOf(name)).filter((n) => n !== 'C').length;
    const figures = JSON.stringify({ aBeforeB: before('B'), bBeforeA: before('A'), beforeC: before('C') });
    // Each resend's first turn comes before the other's third (64 messages a turn); before they were paced, the first
    // request went on until the socket buffer was full (about 2,000 messages).
    assert.ok(Math.max(before('A'), before('B')) <= 3 * 64, `the resends take turns: ${figures}`);
    assert.ok(before('C') < 1000, `the third session was answered during the resends: ${figures}`);
    for (const client of [a, b]) assert.deepEqual(client.received.map((m) => m.seqNum), Array.from({ length: 20_001 }, (_, i) => i + 1));
  } finally {
    for (const client of [a, b, c]) client.close();
    await acceptor.stop();
  }
});

test('a resend to a peer that does not read stops at a bound of bytes in flight and goes on when it reads', { timeout: 60_000 }, async () => {
  const logs = new Map<string, CountingLog>();
  const acceptor = await startAcceptor(logs);
  const client = await logon(acceptor.port, 'SLOW');
  try {
    const server = acceptor.session('FIX.4.4:FIXGW->SLOW')!;
    const total = 40_000; // about 28 MB: several times what the kernel's socket buffers hold
    const padding = 'x'.repeat(600);
    for (let i = 0; i < total; i++) {
      server.send('B', news(`slow reader ${i} ${padding}`));
      if (i % 1000 === 999) await waitFor('originals', () => client.received.length === i + 1, 10_000); // below MaxOutboundBufferBytes
    }
    client.received.length = 0;
    client.socket.pause();
    const log = logs.get('SLOW')!;
    const outBefore = log.out;
    client.send('2', 2, [[7, '1'], [16, '0']]);
    await waitFor('the resend to start', () => log.out > outBefore);
    let handedOver = -1;
    for (let stable = 0; stable < 3; await sleep(200)) {
      stable = log.out === handedOver ? stable + 1 : 0;
      handedOver = log.out;
    }
    assert.ok(handedOver - outBefore < total / 2, `the resend waits for the peer: ${handedOver - outBefore} of ${total} handed to the socket`);
    client.socket.resume();
    await waitFor('the rest', () => client.received.length >= total + 1, 30_000);
    assert.deepEqual(client.received.map((m) => m.seqNum), Array.from({ length: total + 1 }, (_, i) => i + 1));
  } finally {
    client.close();
    await acceptor.stop();
  }
});

test('a peer that asks for the same messages again and again is answered later and later, then logged out with the reason', { timeout: 60_000 }, async () => {
  const logs = new Map<string, CountingLog>();
  const acceptor = await startAcceptor(logs);
  const client = await logon(acceptor.port, 'AGAIN');
  try {
    const server = acceptor.session('FIX.4.4:FIXGW->AGAIN')!;
    for (let i = 0; i < 100; i++) server.send('B', news(`again ${i}`));
    await waitFor('originals', () => client.received.length === 100);
    client.received.length = 0;
    const waitedMs: number[] = [];
    let seq = 2;
    const answered = () => client.received.some((m) => m.msgType === 'B' && m.seqNum === 101);
    const loggedOut = () => client.received.some((m) => m.msgType === '5');
    for (let i = 0; i < 12 && !loggedOut(); i++) {
      const askedAt = performance.now();
      client.send('2', seq++, [[7, '1'], [16, '0']]);
      await waitFor('an answer or a Logout', () => answered() || loggedOut(), 10_000);
      if (answered()) waitedMs.push(Math.round(performance.now() - askedAt));
      client.received.splice(0, client.received.length, ...client.received.filter((m) => m.msgType === '5'));
    }
    const logout = await client.next('5');
    assert.match(logout.get(58) ?? '', /^ResendRequest for messages already resent 8 times within 60 s$/);
    assert.equal(waitedMs.length, 8, `eight answers before the Logout: ${waitedMs}`);
    const delays = logs.get('AGAIN')!.events.flatMap((e) => /answered in (\d+) ms/.exec(e)?.[1] ?? []).map(Number);
    assert.deepEqual(delays, [250, 500, 750, 1000, 1250, 1500], 'the first two at once, then later and later');
    for (let i = 2; i < 8; i++) assert.ok(waitedMs[i]! >= delays[i - 2]!, `the ${i + 1}th after its delay: ${waitedMs}`);
    // what the peer asks for after the Logout is not answered
    client.send('2', seq++, [[7, '1'], [16, '0']]);
    await sleep(300);
    assert.ok(!client.received.some((m) => m.get(43) === 'Y'), 'no answer after the Logout');
  } finally {
    client.close();
    await acceptor.stop();
  }
});

test('ResendTurns serves waiting resends round robin, a few messages each, within a time budget per turn', async () => {
  const turns = new ResendTurns();
  const served: string[] = [];
  const work = (name: string, total: number) => {
    let left = total;
    const step = (messagesMax: number): boolean => {
      const n = Math.min(messagesMax, left);
      left -= n;
      served.push(`${name}${n}`);
      return left > 0;
    };
    return step;
  };
  turns.want(work('a', 200));
  turns.want(work('b', 64));
  const slow = (): boolean => { const until = performance.now() + 5; while (performance.now() < until); served.push('slow'); return false; };
  turns.want(slow);
  turns.want(work('c', 1));
  await waitFor('all served', () => turns.waitingCount === 0);
  // a: 64, b: 64, slow takes the turn's budget, c waits for the next turn; then a again, 64 a turn
  assert.deepEqual(served, ['a64', 'b64', 'slow', 'c1', 'a64', 'a64', 'a8']);
});
