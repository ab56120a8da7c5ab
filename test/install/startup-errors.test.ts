// A start-up problem is printed once, as one clean line on stderr (the JSON fatal with its stack only at
// LOG_LEVEL=debug), and is found before the warm-up and before anything is written: a port in use names which port,
// a data directory that cannot be written is refused with nothing left in it, a bad .cfg or engine.json names the
// file and the line or key. Each case runs the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, gatewayCfg } from '../support/served.js';
import { testEngineConfigPath } from '../support/test-engine-config.js';

/** Runs `fixgw serve` on `cfg` (written into `dir`) with `args`. `obeyFileModes` as root: without the capabilities that
 *  let root write anywhere (setpriv, util-linux), so a directory's mode holds for it as for any user; as another user,
 *  as that user. */
function serveOnce(dir: string, cfg: string, args: string[], opts: { env?: NodeJS.ProcessEnv; obeyFileModes?: boolean } = {}): SpawnSyncReturns<string> & { ms: number } {
  const file = path.join(dir, 'gateway.cfg');
  writeFileSync(file, cfg);
  const started = Date.now();
  const dropRootPowers = opts.obeyFileModes === true && process.getuid?.() === 0;
  const argv = [process.execPath, CLI, 'serve', '--config', file, ...args];
  const [cmd, ...rest] = dropRootPowers ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', ...argv] : argv;
  const r = spawnSync(cmd!, rest, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'info', ...opts.env } });
  return { ...r, ms: Date.now() - started };
}

/** Exit 1, one line on stderr matching `line`, no fatal JSON or stack on stdout, no warm-up run. */
function assertOneCleanLine(r: SpawnSyncReturns<string>, line: RegExp): void {
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const errLines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(errLines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(errLines[0]!, /^fixgw serve: /);
  assert.match(errLines[0]!, line);
  assert.doesNotMatch(r.stdout, /"level":60|"stack"|could not start/, 'no JSON fatal with a stack');
  assert.doesNotMatch(r.stdout, /warm-up done/, 'found before the warm-up');
}

async function occupied(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

test('a FIX or HTTP port in use is named in one line, before the warm-up and before the data directory is made', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-start-'));
  const taken = await occupied();
  try {
    const data = path.join(dir, 'data');
    const fix = serveOnce(dir, gatewayCfg({ WarmUpOrders: 20_000 }), ['--fix-port', String(taken.port), '--data-dir', data]);
    assertOneCleanLine(fix, new RegExp(`^fixgw serve: FIX port ${taken.port} on 127\\.0\\.0\\.1 is already in use by another process: stop it, or choose another port \\(SocketAcceptPort or --fix-port\\)$`));
    assert.equal(existsSync(data), false, 'nothing written');
    const http = serveOnce(dir, gatewayCfg({ WarmUpOrders: 20_000 }), ['--fix-port', '0', '--http-port', String(taken.port), '--data-dir', data]);
    assertOneCleanLine(http, new RegExp(`^fixgw serve: HTTP port ${taken.port} on 127\\.0\\.0\\.1 is already in use by another process: stop it, or choose another port \\(HttpPort or --http-port\\)$`));
    assert.equal(existsSync(data), false, 'nothing written');
    // LOG_LEVEL=debug: the same line, and the fatal with its stack in the log for whoever debugs it
    const debug = serveOnce(dir, gatewayCfg(), ['--fix-port', String(taken.port), '--data-dir', data], { env: { LOG_LEVEL: 'debug' } });
    assert.equal(debug.status, 1);
    assert.match(debug.stderr, /FIX port \d+ on 127\.0\.0\.1 is already in use/);
    assert.match(debug.stdout, /"level":60.*"stack":.*could not start/);
  } finally {
    await taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a data directory under a file, or one that cannot be written, is refused in one line with nothing written in it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-start-'));
  try {
    writeFileSync(path.join(dir, 'a-file'), 'x');
    const underFile = serveOnce(dir, gatewayCfg({ WarmUpOrders: 20_000 }), ['--fix-port', '0', '--data-dir', path.join(dir, 'a-file', 'data')]);
    assertOneCleanLine(underFile, /^fixgw serve: data directory .*a-file\/data is not writable: a part of the path is a file, not a directory/);

    // A read-only data directory. Root may write anywhere, so as root the gateway runs without that power.
    const data = path.join(dir, 'ro-data');
    mkdirSync(path.join(data, 'journal'), { recursive: true });
    chmodSync(data, 0o555);
    const readOnly = serveOnce(dir, gatewayCfg({ WarmUpOrders: 20_000 }), ['--fix-port', '0', '--data-dir', data], { obeyFileModes: true });
    assertOneCleanLine(readOnly, new RegExp(`^fixgw serve: data directory ${data.replace(/[/.]/g, '\\$&')} is not writable: permission denied$`));
    assert.deepEqual(readdirSync(data), ['journal'], 'nothing written');
    assert.deepEqual(readdirSync(path.join(data, 'journal')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad .cfg or engine.json is one line naming the file and the line or key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-start-'));
  try {
    const badCfg = serveOnce(dir, gatewayCfg({ JournalFsync: 'maybe' }), ['--fix-port', '0', '--data-dir', path.join(dir, 'data')]);
    assertOneCleanLine(badCfg, /gateway\.cfg:9: JournalFsync: expected Y or N, got "maybe"$/);
    const engine = path.join(dir, 'engine.json');
    const config = JSON.parse(readFileSync(testEngineConfigPath(), 'utf8')) as { instruments: Array<Record<string, unknown>> };
    config.instruments[0]!['priceBandBP'] = 100; // a typo of priceBandBps
    writeFileSync(engine, JSON.stringify(config, null, 2));
    const badEngine = serveOnce(dir, gatewayCfg({ EngineConfig: engine }), ['--fix-port', '0', '--data-dir', path.join(dir, 'data')]);
    assertOneCleanLine(badEngine, /engine\.json: .*priceBandBP/);
    assert.equal(existsSync(path.join(dir, 'data')), false, 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an API keys file that is missing or not JSON is one line naming the file, before the warm-up', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-start-'));
  try {
    const missing = path.join(dir, 'no-such-keys.json');
    const r = serveOnce(dir, gatewayCfg({ WarmUpOrders: 20_000, ApiKeysFile: missing }), ['--fix-port', '0', '--http-port', '0', '--data-dir', path.join(dir, 'data')]);
    assertOneCleanLine(r, new RegExp(`${missing.replace(/[/.]/g, '\\$&')}: cannot read the API keys file: ENOENT`));
    const bad = path.join(dir, 'keys.json');
    writeFileSync(bad, '[{"key": "k1",');
    const notJson = serveOnce(dir, gatewayCfg({ WarmUpOrders: 20_000, ApiKeysFile: bad }), ['--fix-port', '0', '--http-port', '0', '--data-dir', path.join(dir, 'data')]);
    assertOneCleanLine(notJson, /keys\.json: not JSON/);
    assert.equal(existsSync(path.join(dir, 'data')), false, 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
