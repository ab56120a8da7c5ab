// Test support: a small FIX front end over the real parts (Acceptor, FileStore, FileLog, openEngine with a
// real journal) that answers orders the way the gateway's contract says (ExecID = engine execId, OrderID =
// engine orderId, TradeID = tradeId; data dir DATA/journal, DATA/store, DATA/log), so the audit tool has
// real logs and a real journal to read before and besides the gateway itself.
import path from 'node:path';
import { Acceptor } from '../../src/session/acceptor.js';
import { FileStore } from '../../src/session/file-store.js';
import { FileLog } from '../../src/session/message-log.js';
import type { Session } from '../../src/session/session.js';
import type { Application, AppVerdict } from '../../src/session/application.js';
import type { FixMessage } from '../../src/fix/message.js';
import type { FieldList } from '../../src/fix/types.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { openEngine, type Command, type EngineConfig, type EngineEvent, type OpenedEngine, type Side } from '../../src/engine/index.js';
import { EXEC_TYPE_CODE, ORD_STATUS_CODE } from '../../src/audit/journal-check.js';
import { fix44, sessionConfig } from '../support/fix-harness.js';

const SIDE: Record<string, Side> = { '1': 'Buy', '2': 'Sell' };
const SIDE_CODE: Record<Side, string> = { Buy: '1', Sell: '2' };
const ORD_TYPE = { '1': 'Market', '2': 'Limit' } as const;
const TIF = { '0': 'Day', '1': 'GTC', '3': 'IOC', '4': 'FOK' } as const;

export class ContractGateway implements Application {
  private acceptor!: Acceptor;
  private opened!: OpenedEngine;
  private constructor(readonly dataDir: string) {}

  static async start(dataDir: string, config: EngineConfig, clients: string[]): Promise<ContractGateway> {
    const gw = new ContractGateway(dataDir);
    gw.opened = await openEngine({ dataDir, config, fsync: 'none' });
    gw.opened.sequencer.onEvents((_sc, events) => gw.onEngineEvents(events));
    gw.acceptor = await Acceptor.start({
      port: 0, host: '127.0.0.1',
      sessions: clients.map((c) => ({ config: sessionConfig({ beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: c }), dynamic: false })),
      dictionary: fix44(), application: gw,
      openStore: (id) => FileStore.open(path.join(dataDir, 'store'), id, { nowMs: Date.now() }),
      openLog: (id) => FileLog.open(path.join(dataDir, 'log'), id),
    });
    return gw;
  }

  get port(): number { return this.acceptor.port; }

  async stop(): Promise<void> {
    await this.opened.sequencer.flush();
    await this.acceptor.stop(1000);
    await this.opened.sequencer.close();
  }

  /** Lets a test submit engine commands directly (a session going away, an admin halt...). */
  submit(cmd: Command): number { return this.opened.sequencer.submit(cmd); }
  flush(): Promise<void> { return this.opened.sequencer.flush(); }

  fromApp(session: Session, msg: FixMessage): AppVerdict | void {
    const g = (tag: number): string | undefined => msg.get(tag);
    switch (msg.msgType) {
      case 'D':
        this.opened.sequencer.submit({
          type: 'NewOrder', session: session.key, clOrdId: g(11) ?? '', symbol: g(55) ?? '', side: SIDE[g(54) ?? ''] ?? 'Buy',
          ordType: ORD_TYPE[(g(40) ?? '2') as keyof typeof ORD_TYPE] ?? 'Limit', timeInForce: TIF[(g(59) ?? '0') as keyof typeof TIF] ?? 'Day',
          orderQty: g(38) ?? '', ...(g(44) !== undefined ? { price: g(44)! } : {}),
        });
        return;
      case 'F':
        this.opened.sequencer.submit({ type: 'Cancel', session: session.key, clOrdId: g(11) ?? '', ...(g(41) ? { origClOrdId: g(41)! } : {}) });
        return;
      case 'G':
        this.opened.sequencer.submit({
          type: 'Replace', session: session.key, clOrdId: g(11) ?? '', ...(g(41) ? { origClOrdId: g(41)! } : {}), orderQty: g(38) ?? '',
          ...(g(44) !== undefined ? { price: g(44)! } : {}),
        });
        return;
      default:
        return { kind: 'businessReject', reason: 3, text: 'Unsupported Message Type' };
    }
  }

  private onEngineEvents(events: EngineEvent[]): void {
    for (const e of events) {
      if (e.kind === 'exec') {
        const body: FieldList = [[37, e.orderId || 'NONE'], [11, e.clOrdId]];
        if (e.origClOrdId) body.push([41, e.origClOrdId]);
        body.push([17, e.execId], [150, EXEC_TYPE_CODE[e.execType]], [39, ORD_STATUS_CODE[e.ordStatus]], [55, e.symbol], [54, SIDE_CODE[e.side ?? 'Buy']]);
        if (e.price !== null) body.push([44, e.price]);
        body.push([38, e.orderQty], [14, e.cumQty], [151, e.leavesQty], [6, e.avgPx]);
        if (e.lastQty !== null) body.push([32, e.lastQty], [31, e.lastPx ?? '0']);
        // TradeID(1003) is in the gateway's contract but not in FIX44.xml, so a validating client rejects it.
        if (e.fixOrdRejReason !== null) body.push([103, String(e.fixOrdRejReason)]);
        if (e.text !== null) body.push([58, e.text]);
        body.push([60, formatUtcTimestamp(e.timeMs)]);
        this.acceptor.session(e.session)?.send('8', body);
      } else if (e.kind === 'cancelReject') {
        this.acceptor.session(e.session)?.send('9', [
          [37, e.orderId], [11, e.clOrdId], [41, e.origClOrdId ?? 'NONE'], [39, e.ordStatus ? ORD_STATUS_CODE[e.ordStatus] : '8'],
          [434, e.responseTo === 'Cancel' ? '1' : '2'], [102, String(e.fixCxlRejReason)], [58, e.text],
        ]);
      }
    }
  }
}
