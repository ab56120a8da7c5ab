// fixgw gateway: FIX order entry in front of the engine. `startGateway(options)` opens the data directory
// (replaying the journal), starts the FIX acceptor and the stations of the order path (order-path.ts) and returns a
// handle; `fixgw serve` is a thin CLI around it.
export { startGateway } from './gateway.js';
export type { Gateway, GatewayOptions } from './gateway.js';
export { startOrderPath } from './order-path.js';
export type { OrderPath, OrderPathOptions } from './order-path.js';
export { parseSessionKey } from './sessions.js';
export type { SessionInfo } from './sessions.js';
export type { CommandSequencer, EngineReads } from './seam.js';
export { loadGatewaySettings, parseGatewaySettings, GATEWAY_KEYS } from './config.js';
export type { GatewayFileSettings, GatewaySession } from './config.js';
export type { GatewayMetrics } from './metrics.js';
