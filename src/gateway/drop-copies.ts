// Drop-copy sessions (SessionType=dropcopy): each gets a copy of every ExecutionReport of the accounts it may see
// (DropCopyAccounts, or '*'). A session joins once, when it first exists or logs on.
import type { Session } from '../session/session.js';
import type { GatewaySession } from './config.js';

interface DropCopy { session: Session; accounts: Set<string> | '*' }

export class DropCopies {
  readonly #byKey = new Map<string, DropCopy>();

  add(session: Session, settings: GatewaySession | undefined): void {
    if (settings?.sessionType !== 'dropcopy' || this.#byKey.has(session.key)) return;
    const accounts = settings.dropCopyAccounts === '*' || settings.dropCopyAccounts === undefined ? '*' : new Set(settings.dropCopyAccounts);
    this.#byKey.set(session.key, { session, accounts });
  }

  get size(): number { return this.#byKey.size; }

  /** Calls `send` for each drop-copy session that sees `account`. */
  forAccount(account: string, send: (session: Session) => void): void {
    for (const dc of this.#byKey.values()) {
      if (dc.accounts === '*' || dc.accounts.has(account)) send(dc.session);
    }
  }
}
