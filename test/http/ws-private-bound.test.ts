// The private channels' bound on answers a connection waits for, exactly: requests that arrive in one turn, before
// any of them can be answered, are taken up to the bound and the rest refused at once; every one is answered once.
// The channels run over the engine's Sequencer on an in-memory log; the socket is a stand-in that records what is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { Engine, MemoryCommandLog, Sequencer } from '../../src/engine/index.js';
import { RestEntry } from '../../src/gateway/rest-entry.js';
import { ApiKeys, signRequest } from '../../src/http/api-keys.js';
import { Authenticator } from '../../src/http/rest-auth.js';
import { PrivateChannels } from '../../src/http/ws-private.js';
import { defaultEngineConfig } from '../support/served.js';

const KEY = { key: 'k1', secret: 'bound-secret-0123456789', account: 'ACME', permissions: ['read', 'trade'], requestsPerSecond: 1_000_000 };

test('a connection waits for at most pendingOpsMax answers; the rest are refused at once and everything is answered once', async () => {
  const engine = new Engine(defaultEngineConfig());
  const sequencer = new Sequencer(engine, { log: new MemoryCommandLog() });
  const entry = new RestEntry({ sequencer, engine, pendingMax: 10_000, timeoutMs: 10_000 });
  const auth = new Authenticator(ApiKeys.parse(JSON.stringify([KEY]), 'keys.json', 50), 5000);
  const channels = new PrivateChannels({ engine, entry, auth, events: sequencer, pendingOpsMax: 16, sendBufferBytesMax: 1 << 20 });
  const sent: any[] = [];
  const ws = { readyState: 1, bufferedAmount: 0, send: (text: string) => { sent.push(JSON.parse(text)); }, close: () => undefined } as unknown as WebSocket;
  try {
    const ts = String(Date.now());
    channels.receive(ws, { op: 'login', id: 'login', key: KEY.key, timestamp: ts, sign: signRequest(KEY.secret, ts, 'GET', '/ws', '') });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent.map((m) => m.type), ['login']);
    for (let i = 0; i < 40; i++) {
      channels.receive(ws, { op: 'order', id: i, symbol: 'IBM', side: 'buy', type: 'limit', price: '1.00', quantity: '1', clientOrderId: `b${i}` });
    }
    const refusedAtOnce = sent.filter((m) => m.type === 'error').map((m) => [m.id, m.code]);
    assert.deepEqual(refusedAtOnce, Array.from({ length: 24 }, (_v, k) => [16 + k, 'too_many_pending']));
    await sequencer.flush();
    await new Promise((r) => setImmediate(r));
    const results = sent.filter((m) => m.type === 'result');
    assert.deepEqual(results.map((m) => [m.id, m.status]), Array.from({ length: 16 }, (_v, k) => [k, 200]));
    // room again once they are answered
    channels.receive(ws, { op: 'order', id: 99, symbol: 'IBM', side: 'buy', type: 'limit', price: '1.00', quantity: '1', clientOrderId: 'b99' });
    await sequencer.flush();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent.at(-1).id, 99);
    assert.equal(sent.at(-1).status, 200);
    assert.equal(engine.openOrders('ACME').length, 17);
  } finally {
    channels.closed(ws);
    channels.close();
    entry.close();
    await sequencer.close();
  }
});
