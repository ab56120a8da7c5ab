// `fixgw audit stats`: message counts by type and by session, reject reasons, and order -> first answer
// latency percentiles from the log timestamps (inbound D/F/G to the first outbound ExecutionReport or
// OrderCancelReject for that ClOrdID on the same session). Streaming; the ClOrdIDs waiting for an
// answer are bounded by MAX_PENDING_REQUESTS (the oldest are dropped and counted).

import * as hdr from 'hdr-histogram-js';
import type { Dictionary } from '../fix/dictionary.js';
import { readLogBatches } from './log-messages.js';

export interface LatencySummary {
  count: number;
  minUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

export interface Stats {
  files: number;
  messages: number;
  problems: number;
  firstTimeUs: number | null;
  lastTimeUs: number | null;
  /** msgType -> { IN, OUT, '?' } */
  byType: Record<string, { name: string; IN: number; OUT: number; unknown: number }>;
  /** session -> { IN, OUT } */
  bySession: Record<string, { IN: number; OUT: number; unknown: number }>;
  /** 'Reject(3) 373=5 Value is incorrect...' -> count */
  rejects: Record<string, number>;
  /** 'NewOrderSingle(D)' -> latency to the first answer */
  latency: Record<string, LatencySummary>;
  unansweredRequests: number;
  droppedRequests: number;
}

const MAX_PENDING_REQUESTS = 1_000_000;
/** Latencies above an hour are recorded as an hour (a request answered the next day is not latency). */
const MAX_LATENCY_US = 3_600_000_000;
const REQUEST_TYPES = new Set(['D', 'F', 'G']);
const ANSWER_TYPES = new Set(['8', '9']);

export async function collectStats(files: string[], dict: Dictionary, localCompId?: string): Promise<Stats> {
  const stats: Stats = {
    files: files.length, messages: 0, problems: 0, firstTimeUs: null, lastTimeUs: null,
    byType: {}, bySession: {}, rejects: {}, latency: {}, unansweredRequests: 0, droppedRequests: 0,
  };
  const pending = new Map<string, { timeUs: number; msgType: string }>();
  const histograms = new Map<string, { h: hdr.Histogram; minUs: number; maxUs: number }>();
  const reasonText = (tag: number, value: string | undefined): string => {
    if (value === undefined) return `${tag}=(absent)`;
    const meaning = dict.enumMeaning(tag, value);
    return meaning ? `${tag}=${value} ${meaning}` : `${tag}=${value}`;
  };

  for await (const batch of readLogBatches(files, localCompId === undefined ? {} : { localCompId })) for (const item of batch) {
    if (item.kind === 'problem') { stats.problems++; continue; }
    const m = item.m;
    stats.messages++;
    const dir = m.direction ?? 'unknown';
    const typeKey = m.msgType;
    const t = (stats.byType[typeKey] ??= { name: dict.messageName(typeKey) ?? 'Unknown', IN: 0, OUT: 0, unknown: 0 });
    t[dir]++;
    const s = (stats.bySession[m.session] ??= { IN: 0, OUT: 0, unknown: 0 });
    s[dir]++;
    if (m.timeUs !== undefined) {
      if (stats.firstTimeUs === null || m.timeUs < stats.firstTimeUs) stats.firstTimeUs = m.timeUs;
      if (stats.lastTimeUs === null || m.timeUs > stats.lastTimeUs) stats.lastTimeUs = m.timeUs;
    }
    const msg = m.msg;
    const name = `${dict.messageName(m.msgType) ?? 'Unknown'}(${m.msgType})`;
    let reason: string | undefined;
    switch (m.msgType) {
      case '3': reason = `${reasonText(373, msg.get(373))}${msg.has(372) ? ` on 35=${msg.get(372)}` : ''}`; break;
      case 'j': reason = `${reasonText(380, msg.get(380))}${msg.has(372) ? ` on 35=${msg.get(372)}` : ''}`; break;
      case '9': reason = reasonText(102, msg.get(102)); break;
      case '8': if (msg.get(150) === '8') reason = reasonText(103, msg.get(103)); break;
      case '5': if (msg.has(58)) reason = `58=${msg.get(58)}`; break;
    }
    if (reason !== undefined) {
      const key = `${dir} ${name} ${reason}`;
      stats.rejects[key] = (stats.rejects[key] ?? 0) + 1;
    }
    if (m.timeUs === undefined || m.possDup) continue;
    const clOrdId = msg.get(11);
    if (clOrdId === undefined) continue;
    const key = `${m.session}\u0000${clOrdId}`;
    if (dir === 'IN' && REQUEST_TYPES.has(m.msgType)) {
      if (pending.size >= MAX_PENDING_REQUESTS) {
        const oldest = pending.keys().next().value;
        if (oldest !== undefined) pending.delete(oldest);
        stats.droppedRequests++;
      }
      pending.delete(key);
      pending.set(key, { timeUs: m.timeUs, msgType: m.msgType });
    } else if (dir === 'OUT' && ANSWER_TYPES.has(m.msgType)) {
      const req = pending.get(key);
      if (req === undefined) continue;
      pending.delete(key);
      const label = `${dict.messageName(req.msgType) ?? req.msgType}(${req.msgType})`;
      let entry = histograms.get(label);
      if (entry === undefined) {
        entry = { h: hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_LATENCY_US, numberOfSignificantValueDigits: 3 }), minUs: Infinity, maxUs: 0 };
        histograms.set(label, entry);
      }
      const latencyUs = Math.min(Math.max(0, m.timeUs - req.timeUs), MAX_LATENCY_US);
      entry.h.recordValue(latencyUs);
      if (latencyUs < entry.minUs) entry.minUs = latencyUs;
      if (latencyUs > entry.maxUs) entry.maxUs = latencyUs;
    }
  }
  stats.unansweredRequests = pending.size;
  for (const [label, { h, minUs, maxUs }] of histograms) {
    // Percentiles come from the histogram (3 significant digits, clamped into [min, max]); min and max are exact.
    const pct = (p: number): number => Math.min(maxUs, Math.max(minUs, h.getValueAtPercentile(p)));
    stats.latency[label] = {
      count: h.totalCount, minUs, maxUs,
      p50Us: pct(50), p90Us: pct(90), p99Us: pct(99), p999Us: pct(99.9),
    };
    h.destroy();
  }
  return stats;
}

/** The stats as aligned text tables. */
export function formatStats(s: Stats): string[] {
  const out: string[] = [];
  const pad = (text: string | number, n: number): string => String(text).padStart(n);
  out.push(`${s.messages} messages in ${s.files} file(s)${s.problems > 0 ? `, ${s.problems} corrupt line(s)/frame(s)` : ''}`);
  out.push('');
  out.push('Messages by type:');
  out.push(`  ${'type'.padEnd(34)}${pad('IN', 10)}${pad('OUT', 10)}${pad('?', 8)}`);
  for (const [type, c] of Object.entries(s.byType).sort((a, b) => (b[1].IN + b[1].OUT + b[1].unknown) - (a[1].IN + a[1].OUT + a[1].unknown))) {
    out.push(`  ${`${c.name}(${type})`.padEnd(34)}${pad(c.IN, 10)}${pad(c.OUT, 10)}${pad(c.unknown, 8)}`);
  }
  out.push('');
  out.push('Messages by session:');
  for (const [session, c] of Object.entries(s.bySession).sort()) {
    out.push(`  ${session.padEnd(34)}${pad(c.IN, 10)}${pad(c.OUT, 10)}${pad(c.unknown, 8)}`);
  }
  out.push('');
  out.push('Rejects and reasons:');
  const rejects = Object.entries(s.rejects).sort((a, b) => b[1] - a[1]);
  if (rejects.length === 0) out.push('  (none)');
  for (const [reason, n] of rejects) out.push(`  ${pad(n, 8)}  ${reason}`);
  out.push('');
  out.push('Request -> first ExecutionReport/OrderCancelReject latency (microseconds, from log timestamps):');
  out.push(`  ${'request'.padEnd(28)}${pad('count', 8)}${pad('min', 9)}${pad('p50', 9)}${pad('p90', 9)}${pad('p99', 9)}${pad('p99.9', 9)}${pad('max', 9)}`);
  const lat = Object.entries(s.latency);
  if (lat.length === 0) out.push('  (no request with an answer)');
  for (const [label, l] of lat) {
    out.push(`  ${label.padEnd(28)}${pad(l.count, 8)}${pad(l.minUs, 9)}${pad(l.p50Us, 9)}${pad(l.p90Us, 9)}${pad(l.p99Us, 9)}${pad(l.p999Us, 9)}${pad(l.maxUs, 9)}`);
  }
  if (s.unansweredRequests > 0 || s.droppedRequests > 0) {
    out.push(`  ${s.unansweredRequests} request(s) without an answer in the logs${s.droppedRequests > 0 ? `, ${s.droppedRequests} dropped from tracking (limit ${MAX_PENDING_REQUESTS})` : ''}`);
  }
  return out;
}
