// fixgw gateway: FIX order entry in front of the engine. `startGateway(options)` opens the data directory
// (replaying the journal), starts the FIX acceptor and returns a handle; `fixgw serve` is a thin CLI around it.
export { startGateway, parseSessionKey } from './gateway.js';
export type { Gateway, GatewayOptions, SessionInfo } from './gateway.js';
export { loadGatewaySettings, parseGatewaySettings, GATEWAY_KEYS } from './config.js';
export type { GatewayFileSettings } from './config.js';
export type { GatewayMetrics } from './metrics.js';
export { adminApi, adminTokenOf } from './admin-api.js';
export type { AdminApiOptions } from './admin-api.js';
