// The REST API and the private WebSocket channels over one gateway: the API keys (ApiKeysFile), the REST order entry
// station on the gateway's command sequencer, the REST plugin (under /api/v1), the private ops for /ws and the
// viewer's order ticket script. `fixgw serve` starts it beside the HTTP server:
//
//   const rest = startRestService({ engine, sequencer, settings: settings.api, logger });
//   await startHttpServer({ ..., plugins: [...rest.plugins], wsExtension: rest.ws });
//   ...
//   rest.close();
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Engine } from '../engine/index.js';
import type { GatewayFileSettings } from '../gateway/config.js';
import { RestEntry } from '../gateway/rest-entry.js';
import { onDuplicates, type CommandSequencer } from '../gateway/seam.js';
import { DEFAULT_TAP_LIMITS } from '../marketdata/ws-tap.js';
import { ApiKeys } from './api-keys.js';
import { restApi } from './rest-api.js';
import { Authenticator } from './rest-auth.js';
import { ticketScript } from './ticket-script.js';
import { PrivateChannels } from './ws-private.js';

export interface RestServiceOptions {
  engine: Engine;
  sequencer: CommandSequencer;
  settings: GatewayFileSettings['api'];
  logger?: Logger;
  /** The process's metrics registry (REST request counts and order answer times). */
  registry?: Registry;
  /** REST and WebSocket requests in flight at most (all keys together). Default 10,000. */
  pendingMax?: number;
  /** A request not applied within this long is answered 504 (it may still be applied). Default 10,000. */
  timeoutMs?: number;
  /** Requests of one WebSocket connection waiting for their answers at most. Default 256. */
  wsPendingOpsMax?: number;
  /** Clock of the timestamp window (tests). */
  clock?: () => number;
}

export interface RestService {
  /** For startHttpServer's `plugins`. */
  readonly plugins: Array<{ plugin: (app: FastifyInstance) => Promise<void>; prefix: string }>;
  /** For startHttpServer's `wsExtension`. */
  readonly ws: PrivateChannels;
  readonly entry: RestEntry;
  /** API keys loaded (0 when no ApiKeysFile). */
  readonly keyCount: number;
  close(): void;
}

/** Throws when the keys file cannot be read or is not valid (the gateway must not start half-configured). */
export function startRestService(o: RestServiceOptions): RestService {
  const keys = o.settings.keysFile === undefined ? null : ApiKeys.load(o.settings.keysFile, o.settings.requestsPerSecond);
  for (const w of keys?.warnings ?? []) o.logger?.warn(w);
  const auth = keys === null ? null : new Authenticator(keys, o.settings.timestampWindowMs, o.clock);
  const entry = new RestEntry({ sequencer: o.sequencer, engine: o.engine, pendingMax: o.pendingMax ?? 10_000, timeoutMs: o.timeoutMs ?? 10_000 });
  onDuplicates(o.sequencer, (ref) => entry.duplicate(ref));
  const ws = new PrivateChannels({ engine: o.engine, entry, auth, events: o.sequencer, pendingOpsMax: o.wsPendingOpsMax ?? 256,
    sendBufferBytesMax: DEFAULT_TAP_LIMITS.sendBufferBytesMax, ...(o.logger !== undefined ? { logger: o.logger } : {}) });
  o.logger?.info({ apiKeys: keys?.size ?? 0, keysFile: o.settings.keysFile ?? null }, keys === null
    ? 'REST order entry disabled (no ApiKeysFile)' : 'REST API and private WebSocket channels enabled');
  return {
    plugins: [
      { prefix: '/api/v1', plugin: restApi({ engine: o.engine, entry, auth,
        ...(o.logger !== undefined ? { logger: o.logger } : {}), ...(o.registry !== undefined ? { registry: o.registry } : {}) }) },
      { prefix: '', plugin: ticketScript },
    ],
    ws, entry, keyCount: keys?.size ?? 0,
    close() {
      ws.close();
      entry.close();
    },
  };
}
