// A cluster node's metrics, on the process's registry (so /metrics shows them beside the gateway's): how far the
// replica is behind the stream, what a publish ack costs, how many sessions the node hosts and how many leases it lost,
// whether NATS is connected, and where the replicas last agreed.
import { Counter, Gauge, type Registry } from 'prom-client';
import { bucketHistogram, type Observer } from '../gateway/metrics.js';

export interface ClusterMetrics {
  /** Publish → JetStream ack of a command, in microseconds. */
  publishAckUs: Observer;
  leasesLost: { inc(): void };
}

export interface ClusterReads {
  replicaLag: () => number;
  natsConnected: () => boolean;
  sessionsHosted: () => number;
  digestAgreedSeq: () => number;
  readerRestarts: () => number;
  lastSnapshotSeq: () => number;
}

const ACK_BUCKETS_S = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1, 5];

export function createClusterMetrics(registry: Registry, reads: ClusterReads): ClusterMetrics {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number): void => {
    const g: Gauge = new Gauge({ name, help, registers, collect() { g.set(read()); } });
  };
  gauge('fixgw_cluster_replica_lag_commands', 'Commands in the stream this replica has not applied yet (as of the last record read)', reads.replicaLag);
  gauge('fixgw_cluster_nats_connected', '1 while the node\'s NATS connection is up', () => (reads.natsConnected() ? 1 : 0));
  gauge('fixgw_cluster_sessions_hosted', 'FIX sessions this node holds the lease of', reads.sessionsHosted);
  gauge('fixgw_cluster_digest_agreed_seq', 'Newest seq at which this replica\'s engine digest matched another node\'s', reads.digestAgreedSeq);
  gauge('fixgw_cluster_reader_restarts', 'Times the stream consumer stalled and was started again', reads.readerRestarts);
  gauge('fixgw_cluster_last_snapshot_seq', 'Seq of the newest snapshot this node saved or found in the object store', reads.lastSnapshotSeq);
  const ack = bucketHistogram({ name: 'fixgw_cluster_publish_ack_seconds', help: 'Command publish to JetStream ack (stored on a quorum)', registers, buckets: ACK_BUCKETS_S });
  const lost = new Counter({ name: 'fixgw_cluster_leases_lost_total', help: 'Session leases lost while hosting (not renewed in time, or taken)', registers });
  return { publishAckUs: { observe: (us) => ack.observe(us / 1e6) }, leasesLost: { inc: () => lost.inc() } };
}
