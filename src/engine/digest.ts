// A running sha256 over the serialized event stream, for replay-equality checks.
import { createHash, type Hash } from 'node:crypto';
import type { EngineEvent, SequencedCommand } from './types.js';

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
