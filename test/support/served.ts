// Test support around a served gateway (harness/served.ts, shared with the benches): a seeded RNG, the engine rebuilt
// from the served data dir, and reads of its HTTP API.
import path from 'node:path';
import { loadEngineConfig, replayDataDir, type EngineConfig, type ReplayResult } from '../../src/engine/index.js';
import { testEngineConfigPath } from './test-engine-config.js';
import { mulberry32 } from '../engine/random-commands.js';

export { CLI, SERVE_NODE_FLAGS, SERVE_CFG, gatewayCfg, serve, kill, freePort, rssBytes } from '../../harness/served.js';
export type { Served, ServeOptions } from '../../harness/served.js';

/** mulberry32: small, fast, seeded (the engine tests' generator). */
export const seededRandom = mulberry32;

let engineConfig: EngineConfig | undefined;
export function defaultEngineConfig(): EngineConfig {
  engineConfig ??= loadEngineConfig(testEngineConfigPath());
  return engineConfig;
}

/** A fresh, read-only replay of the served data directory. */
export function replayServed(dir: string, opts: Parameters<typeof replayDataDir>[2] = {}): ReplayResult {
  return replayDataDir(path.join(dir, 'data'), defaultEngineConfig(), opts);
}

export async function httpJson<T>(port: number, urlPath: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`);
  if (!res.ok) throw new Error(`GET ${urlPath}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The engine's last applied command seq, from the gateway's Prometheus metrics. */
export async function engineLastSeq(httpPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const m = /^fixgw_engine_last_seq (\d+)/m.exec(text);
  if (m === null) throw new Error('fixgw_engine_last_seq not in /metrics');
  return Number(m[1]);
}
