// Whether a node process is still there: each gateway node answers requests on a subject of its own process (its
// origin, node id and incarnation), and a node that finds a session's lease held by another asks that process. No
// answer (NATS says at once when nobody listens on a subject: the process's connection is gone) means the holder is
// gone, and the lease may be taken from it without waiting out its TTL: fencing makes that safe even when the holder
// was only slow (session-leases.ts takeFrom). An answer means the Logon is a duplicate logon.
import type { Subscription } from '@nats-io/transport-node';
import type { ClusterConnection } from './connection.js';
import { encodeToken, type ClusterNames } from './names.js';

export class NodePresence {
  private readonly subscription: Subscription;

  constructor(private readonly conn: ClusterConnection, private readonly names: ClusterNames, origin: string) {
    this.subscription = conn.nc.subscribe(subjectOf(names, origin), { callback: (err, msg) => { if (err === null) msg.respond(); } });
  }

  /** Whether process `origin` answers within `timeoutMs`. */
  async answers(origin: string, timeoutMs: number): Promise<boolean> {
    if (origin === '') return false;
    try {
      await this.conn.nc.request(subjectOf(this.names, origin), undefined, { timeout: timeoutMs });
      return true;
    } catch {
      return false; // no responders (its connection is gone) or no answer in time
    }
  }

  close(): void { this.subscription.unsubscribe(); }
}

function subjectOf(names: ClusterNames, origin: string): string {
  return `${names.commandStream}_NODES.${encodeToken(origin)}`;
}
