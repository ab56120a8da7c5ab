// Who may use the HTTP server: the read token (HttpAccessToken / FIXGW_HTTP_TOKEN) that every route but /health and
// the admin API needs, as a bearer header or a ?token= parameter (the WebSocket handshake is refused without it), and
// the bound on connections from one address (MaxHttpConnectionsPerAddress).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { FeedClient, limit, startTap } from './support.js';

const TOKEN = 'read-3e1f';

async function status(url: string, headers: Record<string, string> = {}): Promise<{ status: number; auth: string | null; body: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, auth: res.headers.get('www-authenticate'), body: await res.text() };
}

/** The HTTP status that refused a WebSocket handshake, or 101 when it opened. */
function handshake(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => { ws.close(); resolve(101); });
    ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.once('error', (err) => { if (!/Unexpected server response/.test(err.message)) reject(err); });
  });
}

test('with an access token, market data, viewer, sessions and metrics need it; /health and the admin API do not', async () => {
  const tap = await startTap({
    accessToken: TOKEN,
    plugins: [{ prefix: '/api/v1/admin', plugin: async (app) => { app.get('/ping', async () => ({ admin: true })); } }],
  });
  try {
    const u = tap.http.url;
    for (const path of ['/', '/api/v1/instruments', '/api/v1/book/AAPL', '/api/v1/trades/AAPL', '/api/v1/sessions', '/metrics']) {
      const none = await status(u + path);
      assert.equal(none.status, 401, path);
      assert.equal(none.auth, 'Bearer realm="fixgw"', path);
      assert.doesNotMatch(none.body, /AAPL|fixgw_|<html/i, `${path}: nothing of the data in a refusal`);
      const wrong = await status(u + path, { authorization: 'Bearer nope' });
      assert.equal(wrong.status, 401, path);
      assert.match(wrong.auth ?? '', /invalid_token/);
      assert.equal((await status(u + path, { authorization: `Bearer ${TOKEN}` })).status, 200, path);
      assert.equal((await status(`${u}${path}${path.includes('?') ? '&' : '?'}token=${TOKEN}`)).status, 200, path);
    }
    assert.equal((await status(`${u}/api/v1/book/AAPL?depth=5&token=wrong`)).status, 401);
    assert.equal((await status(`${u}/health`)).status, 200, 'health checks need no token');
    assert.equal((await status(`${u}/api/v1/admin/ping`)).status, 200, 'the admin API keeps its own token');
  } finally {
    await tap.close();
  }
});

test('with an access token, a WebSocket without it is refused before the upgrade, and one with ?token= streams the book', async () => {
  const tap = await startTap({ accessToken: TOKEN });
  try {
    assert.equal(await handshake(tap.wsUrl), 401);
    assert.equal(await handshake(`${tap.wsUrl}?token=wrong`), 401);
    const c = await FeedClient.open(`${tap.wsUrl}?token=${TOKEN}`);
    try {
      const snap = await c.subscribe('book', 'AAPL');
      assert.equal(snap.type, 'snapshot');
      tap.sequencer.submit(limit('AAPL', 'Buy', '150.00', '10'));
      const delta = await c.next((m) => m.channel === 'book' && m.type === 'delta');
      assert.deepEqual(delta.bids, [['150.00', '10']]);
    } finally {
      c.close();
    }
  } finally {
    await tap.close();
  }
});

test('without an access token every route is open, as before', async () => {
  const tap = await startTap();
  try {
    assert.equal((await status(`${tap.http.url}/api/v1/instruments`)).status, 200);
    assert.equal(await handshake(tap.wsUrl), 101);
  } finally {
    await tap.close();
  }
});

test('a source address gets at most connectionsPerAddressMax connections at once; one more is closed, a freed place is reused', async () => {
  const tap = await startTap({ connectionsPerAddressMax: 3 });
  const clients: FeedClient[] = [];
  try {
    for (let i = 0; i < 3; i++) clients.push(await FeedClient.open(tap.wsUrl));
    await assert.rejects(FeedClient.open(tap.wsUrl), 'the fourth WebSocket is closed before its handshake');
    await assert.rejects(fetch(`${tap.http.url}/health`), 'so is a plain HTTP request');
    await clients[0]!.subscribe('book', 'AAPL'); // the three admitted ones work
    clients.shift()!.close();
    // the server frees the place when it sees the close: retry until it has
    for (let tries = 0; ; tries++) {
      try { clients.push(await FeedClient.open(tap.wsUrl)); break; } catch (err) {
        if (tries >= 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.equal((await clients.at(-1)!.subscribe('book', 'MSFT')).type, 'snapshot');
  } finally {
    for (const c of clients) c.close();
    await tap.close();
  }
});
