// Where a gateway described by its .cfg can be reached from this machine: the HTTP server's URL and the FIX port
// and CompID, for the verbs that talk to a running gateway (`admin`, `sim`, the Docker HEALTHCHECK).
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import type { GatewayFileSettings } from '../gateway/index.js';

/** The settings file `npm start` runs on (config/gateway.cfg of the package). */
export function packagedGatewayConfigPath(): string {
  return fileURLToPath(new URL('../../../config/gateway.cfg', import.meta.url));
}

/** A listen address as a host to connect to: the wildcard addresses mean this machine. */
export function connectHostOf(listenHost: string | undefined): string {
  if (listenHost === undefined || listenHost === '' || listenHost === '0.0.0.0') return '127.0.0.1';
  if (listenHost === '::') return '::1';
  return listenHost;
}

/** http(s)://host:port of the gateway's HTTP server (HttpHost, HttpPort, HTTPS when its key and certificate are set). */
export function httpUrlOf(s: GatewayFileSettings): string {
  const host = connectHostOf(s.httpHost);
  const port = s.httpPort === undefined || s.httpPort === 0 ? 8080 : s.httpPort;
  return `${s.https !== undefined ? 'https' : 'http'}://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** Host, port and TargetCompID (the gateway's SenderCompID) a FIX client uses. */
export function fixAddressOf(s: GatewayFileSettings): { host: string; port: number; target: string } {
  return { host: connectHostOf(s.fixHost), port: s.fixPort, target: s.sessions[0]!.id.senderCompId };
}
