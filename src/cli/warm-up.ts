// Start-up warm-up (WarmUpOrders): before the gateway takes its first client, a scratch gateway — its own temp data
// directory, engine, journal without fsync, session stores and logs, on an ephemeral loopback port — takes that many
// orders from the project's own load generator, in this process. V8 compiles the whole order path on that traffic
// (socket reads, framing, parsing and validation, the session layer, translation, sequencer, journal, matching,
// ExecutionReport encoding, stores, logs), so the first real orders of the day run optimised code instead of the
// interpreter. Nothing of it is kept: the scratch gateway is closed and its directory deleted; the real gateway's
// state, journal, sessions, metrics and ports are never touched. It lives in the CLI layer, which composes the
// simulator and the gateway (as `fixgw sim` does): the gateway itself does not depend on the simulator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { runLoad, type LoadSymbol } from '../../simulator/load.js';
import type { EngineConfig, Instrument } from '../engine/index.js';
import { parseGatewaySettings, startGateway, type GatewayFileSettings } from '../gateway/index.js';

/** The longest a warm-up may take; the gateway then starts without it. */
const WARM_UP_TIMEOUT_MS = 30_000;

export interface WarmUpResult {
  /** Orders sent (0 when no instrument suits the load generator). */
  orders: number;
  answered: number;
  ms: number;
  /** Why nothing was sent, when nothing was. */
  skipped?: string;
}

/** Instruments the load generator can trade together: one tick size, whole lots, a reference price above 10 ticks. */
function loadSymbolsOf(config: EngineConfig): { tick: string; symbols: LoadSymbol[] } | null {
  const usable = config.instruments.filter((i: Instrument) => i.qtyStep.text === '1' && i.referencePriceTicks > 10);
  const byTick = new Map<string, Instrument[]>();
  for (const i of usable) byTick.set(i.priceStep.text, [...(byTick.get(i.priceStep.text) ?? []), i]);
  const best = [...byTick.entries()].sort((a, b) => b[1].length - a[1].length)[0];
  if (best === undefined) return null;
  return { tick: best[0], symbols: best[1].map((i) => ({ symbol: i.symbol, midTicks: i.referencePriceTicks })) };
}

/** Runs `orders` orders through a scratch gateway built like `settings`' (same BeginString, SenderCompID, engine config). */
export async function warmUp(settings: GatewayFileSettings, engineConfig: EngineConfig, orders: number, log: Logger): Promise<WarmUpResult> {
  const started = performance.now();
  const load = loadSymbolsOf(engineConfig);
  if (orders <= 0 || load === null) {
    return { orders: 0, answered: 0, ms: 0, ...(load === null ? { skipped: 'no instrument with whole lots and a reference price' } : {}) };
  }
  const first = settings.sessions[0]!.id;
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-warm-up-'));
  try {
    const scratch = await startGateway({
      settings: parseGatewaySettings(`[DEFAULT]
ConnectionType=acceptor
BeginString=${first.beginString}
SenderCompID=${first.senderCompId}
SocketAcceptPort=9876
MaxMessagesPerSecond=1000000
SnapshotWorker=N
SnapshotOnShutdown=N
SnapshotEveryCommands=0
[SESSION]
TargetCompID=*
`),
      dataDir: dir, engineConfig, fixPort: 0, host: '127.0.0.1', fsync: false, registry: new Registry(),
      logger: pino({ level: 'silent' }), logoutGraceMs: 200,
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const run = runLoad({
        host: '127.0.0.1', port: scratch.fixPort, sender: 'WARMUP{i}', target: first.senderCompId, sessions: 2, orders, window: 8,
        warmup: 0, symbols: load.symbols, tick: load.tick, qtyMin: 1, qtyMax: 10, mix: { maker: 1, taker: 1 }, seed: 1,
        heartBtIntS: 30, timeoutS: 10, maxInFlight: 1_000, idPrefix: 'W',
      });
      run.catch(() => undefined); // after a time-out, closing the scratch gateway ends it with an error nobody waits for
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`warm-up took longer than ${WARM_UP_TIMEOUT_MS / 1000} s`)), WARM_UP_TIMEOUT_MS);
      });
      const report = await Promise.race([run, timedOut]);
      return { orders: report.orders, answered: report.acks, ms: Math.round(performance.now() - started) };
    } finally {
      clearTimeout(timer);
      await scratch.close();
    }
  } catch (err) {
    // A warm-up that fails costs the first orders some speed, nothing else: say so and go on.
    log.warn({ err }, 'warm-up failed; the gateway starts without it');
    return { orders: 0, answered: 0, ms: Math.round(performance.now() - started), skipped: (err as Error).message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
