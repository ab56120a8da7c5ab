// The node's one NATS connection: connected at start (or a clear error naming the URLs), then reconnecting forever
// in the background. Whether it is up right now is what the command log asks before it publishes: while NATS is away
// appends are refused at once instead of queueing behind a dead socket.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { JetStreamPublisher } from './publish.js';

export class ClusterUnreachableError extends Error {
  override name = 'ClusterUnreachableError';
}

export interface ConnectOptions {
  natsUrls: string[];
  /** Shown in the servers' connection lists (`fixgw-<node>`). */
  nodeId: string;
  connectTimeoutMs: number;
  /** How often the client pings the server; two missed pongs count as a lost connection (default 2000). */
  pingIntervalMs?: number;
}

export type ConnectionListener = (up: boolean, detail: string) => void;

export class ClusterConnection {
  private isUp = true;
  private readonly listeners: ConnectionListener[] = [];
  /** The pipelined publisher every stream write of this node goes through. */
  readonly publisher: JetStreamPublisher;

  private constructor(readonly nc: NatsConnection, readonly js: JetStreamClient, readonly jsm: JetStreamManager, readonly urls: readonly string[]) {
    this.publisher = new JetStreamPublisher(nc, () => this.isUp);
    void this.watch();
  }

  /** Connects to any of the URLs; throws ClusterUnreachableError naming them all when none answers in time. */
  static async open(options: ConnectOptions): Promise<ClusterConnection> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.natsUrls, name: `fixgw-${options.nodeId}`, timeout: options.connectTimeoutMs,
        maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: options.pingIntervalMs ?? 2000, maxPingOut: 2,
      });
    } catch (err) {
      throw new ClusterUnreachableError(`cannot reach NATS at ${options.natsUrls.join(', ')}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: options.connectTimeoutMs });
      return new ClusterConnection(nc, jetstream(nc), jsm, options.natsUrls);
    } catch (err) {
      await nc.close();
      throw new ClusterUnreachableError(`NATS at ${options.natsUrls.join(', ')} answers but JetStream does not: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Whether the connection is up (false from a disconnect until the reconnect). */
  get up(): boolean { return this.isUp; }

  /** The server the connection is on, e.g. 127.0.0.1:4222. */
  get server(): string { return this.nc.getServer(); }

  /** Called on every disconnect (up=false) and reconnect (up=true). */
  onChange(listener: ConnectionListener): void { this.listeners.push(listener); }

  /** The error appends and lease renewals report while the connection is down. */
  lostError(): Error {
    return new ClusterUnreachableError(`NATS connection lost (${this.urls.join(', ')}); reconnecting`);
  }

  async close(): Promise<void> {
    this.publisher.close();
    if (!this.nc.isClosed()) await this.nc.close();
  }

  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' || s.type === 'staleConnection') this.set(false, `${s.type} ${'server' in s ? s.server : ''}`);
      else if (s.type === 'reconnect') this.set(true, `reconnected to ${s.server}`);
      else if (s.type === 'close') this.set(false, 'closed');
    }
  }

  private set(up: boolean, detail: string): void {
    if (up === this.isUp) return;
    this.isUp = up;
    for (const l of this.listeners) l(up, detail);
  }
}
