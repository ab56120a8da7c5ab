// The cluster's part of `fixgw serve`: --cluster-* flags, which override the Cluster* keys of the .cfg, and the typed
// cluster settings from both (null: single-process mode, the default, which needs no NATS).
import type { Command } from 'commander';
import { parseClusterSettings, type ClusterKey, type ClusterSettings } from './settings.js';

export interface ClusterFlags { clusterNatsUrls?: string; clusterNodeId?: string; clusterReplicas?: string; clusterStream?: string }

const FLAG_KEYS: Array<[keyof ClusterFlags, ClusterKey]> = [
  ['clusterNatsUrls', 'ClusterNatsUrls'], ['clusterNodeId', 'ClusterNodeId'], ['clusterReplicas', 'ClusterReplicas'], ['clusterStream', 'ClusterStream'],
];

export function addClusterFlags(command: Command): Command {
  return command
    .option('--cluster-nats-urls <urls>', 'cluster mode: NATS servers, comma-separated (overrides ClusterNatsUrls; docs/cluster.md)')
    .option('--cluster-node-id <id>', 'cluster mode: this node\'s name, unique in the cluster (overrides ClusterNodeId)')
    .option('--cluster-replicas <n>', 'cluster mode: JetStream replicas, 1, 3 or 5 (overrides ClusterReplicas)')
    .option('--cluster-stream <name>', 'cluster mode: the command stream\'s name (overrides ClusterStream)');
}

/** The cluster settings of the .cfg's Cluster* keys (`fromCfg`, as written) with the flags over them; null when
 *  neither sets ClusterNatsUrls. Throws ClusterSettingsError naming the key. */
export function clusterSettingsOf(fromCfg: ReadonlyMap<string, string>, flags: ClusterFlags): ClusterSettings | null {
  const raw = new Map(fromCfg);
  for (const [flag, key] of FLAG_KEYS) if (flags[flag] !== undefined) raw.set(key, flags[flag]!);
  return parseClusterSettings(raw);
}
