// Digests for proving that two runs agree: a running sha256 over the serialized event stream (replay equality), and
// one over the engine's whole state at its lastSeq (replicas, which may have started from different snapshots).
import { createHash, type Hash } from 'node:crypto';
import type { Engine } from './engine.js';
import { exportEngineState } from './engine-state.js';
import type { EngineEvent, SequencedCommand } from './types.js';

/**
 * sha256 (hex) of the engine's canonical state: exportEngineState, which lists everything in an order that depends on
 * the state alone, serialised as JSON. Two engines with the same config that applied the same records agree; any
 * difference in books, orders, accounts, sessions, counters or the applied seq and time changes it. O(state).
 */
export function engineDigest(engine: Engine): string {
  return createHash('sha256').update(JSON.stringify(exportEngineState(engine))).digest('hex');
}

export interface EventsDigest {
  /** Feed one command's events (use as an onEvents listener). */
  add(sc: SequencedCommand, events: EngineEvent[]): void;
  /** Hex digest of everything added so far (can be called once). */
  hex(): string;
  count: number;
}

export function eventsDigest(): EventsDigest {
  const hash: Hash = createHash('sha256');
  const d: EventsDigest = {
    count: 0,
    add(_sc, events) {
      for (const ev of events) {
        hash.update(JSON.stringify(ev));
        hash.update('\n');
        d.count++;
      }
    },
    hex: () => hash.digest('hex'),
  };
  return d;
}
