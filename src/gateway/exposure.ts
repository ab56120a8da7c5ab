// What a starting gateway opens to the network without a secret: order entry on the FIX port for sessions with no
// Password, and the HTTP port's reads with no HttpAccessToken. `fixgw serve` logs each as a warning, so a gateway
// started with --host 0.0.0.0 on a shared network cannot go unnoticed.
import net from 'node:net';

/** What the check needs of a session (the gateway's sessions and the parser's have it). */
export interface ExposedSession { id: { targetCompId: string }; dynamic: boolean; password?: string | undefined }

export interface ExposureInput {
  /** The addresses the FIX acceptor and the HTTP server listen on. */
  fixHost: string;
  fixPort: number;
  httpHost: string;
  httpPort: number;
  sessions: readonly ExposedSession[];
  /** The HTTP read token in effect (HttpAccessToken or FIXGW_HTTP_TOKEN). */
  httpAccessToken: string | undefined;
}

export interface ExposureWarning { message: string; context: Record<string, unknown> }

/** Whether only this machine can reach an address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(host)?.[1];
  if (v4 !== undefined) return net.isIPv4(v4) && v4.startsWith('127.');
  return host === '::1';
}

export function exposureWarnings(o: ExposureInput): ExposureWarning[] {
  const warnings: ExposureWarning[] = [];
  if (!isLoopback(o.fixHost)) {
    const open = o.sessions.filter((s) => s.password === undefined);
    if (open.length > 0) {
      const names = open.map((s) => (s.dynamic ? 'any client CompID (TargetCompID=*)' : s.id.targetCompId));
      warnings.push({
        message: `ORDER ENTRY IS OPEN TO THE NETWORK WITHOUT A PASSWORD: anyone who reaches ${o.fixHost}:${o.fixPort} can log on as `
          + `${names.join(', ')} and trade. Set Password (and AllowedAddresses) per session, or listen on 127.0.0.1`,
        context: { fixHost: o.fixHost, fixPort: o.fixPort, sessionsWithoutPassword: names },
      });
    }
  }
  if (!isLoopback(o.httpHost) && (o.httpAccessToken === undefined || o.httpAccessToken === '')) {
    warnings.push({
      message: `HTTP IS OPEN TO THE NETWORK WITHOUT A TOKEN: anyone who reaches ${o.httpHost}:${o.httpPort} can read market data, `
        + 'the FIX sessions and the metrics. Set HttpAccessToken (or FIXGW_HTTP_TOKEN), or listen on 127.0.0.1',
      context: { httpHost: o.httpHost, httpPort: o.httpPort },
    });
  }
  return warnings;
}
