// Station: logon policy. Who may log on: a configured session (or a template's CompID allow-list), from an allowed
// source address, with the right password (compared in time independent of where the strings differ), checked by
// the acceptor before any session is looked at or made. Every refusal counts against the source address; too many
// lock it out (logon-guard.ts), and then its Logons are refused without a reply before anything else is looked at.
// An unknown CompID, a refused one and a wrong password get the same Logout (LOGON_REFUSED_TEXT); the log tells them
// apart.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { FixMessage } from '../fix/message.js';
import { Tag } from '../fix/names.js';
import type { Session } from '../session/session.js';
import type { SessionId } from '../session/session-id.js';
import { isAddressAllowed } from '../session/settings.js';
import type { GatewayFileSettings, GatewaySession } from './config.js';
import { LogonGuard } from './logon-guard.js';

/** Password(554) check in time independent of where the strings differ. */
function samePassword(given: string | undefined, expected: string): boolean {
  const a = createHash('sha256').update(given ?? '', 'latin1').digest();
  const b = createHash('sha256').update(expected, 'latin1').digest();
  return given !== undefined && timingSafeEqual(a, b);
}

/** The Logout text of every refused Logon, whatever the reason. */
export const LOGON_REFUSED_TEXT = 'Invalid username or password';

export class LogonPolicy {
  readonly #guard: LogonGuard;
  readonly #settingsOf: (id: SessionId) => GatewaySession | undefined;
  readonly #log: Logger;

  constructor(settings: GatewayFileSettings, settingsOf: (id: SessionId) => GatewaySession | undefined, log: Logger) {
    const f = settings.logonFailures;
    this.#guard = new LogonGuard({ maxFailures: f.max, windowMs: f.windowMs, lockoutMs: f.lockoutMs });
    this.#settingsOf = settingsOf;
    this.#log = log;
  }

  /** The acceptor's first check of a Logon: an address locked out is refused without a reply. */
  readonly admit = (_id: SessionId, remoteAddress: string | undefined): string | undefined => {
    const lockedMs = remoteAddress === undefined ? 0 : this.#guard.lockedForMs(remoteAddress);
    if (lockedMs > 0) return `too many failed logons from ${remoteAddress}: locked out for ${Math.ceil(lockedMs / 1000)} s more`;
    return undefined;
  };

  /** The acceptor's authentication, before a session is looked at or made: a reason refuses the Logon (with
   *  LOGON_REFUSED_TEXT) and counts against the address. */
  readonly authenticate = (id: SessionId, logon: FixMessage, remoteAddress: string | undefined): string | undefined => {
    const refusal = this.#refusal(id, logon, remoteAddress);
    if (refusal !== undefined) this.#failed(remoteAddress);
    return refusal;
  };

  /** Application.onLogon: the address's failures are forgiven. */
  succeeded(session: Session): void {
    if (session.remoteAddress !== undefined) this.#guard.succeeded(session.remoteAddress);
  }

  #refusal(id: SessionId, logon: FixMessage, remoteAddress: string | undefined): string | undefined {
    const s = this.#settingsOf(id);
    if (s === undefined) return 'unknown session';
    if (s.dynamic && s.allowedCompIds !== undefined && !s.allowedCompIds.includes(id.targetCompId)) return `CompID ${id.targetCompId} is not allowed`;
    if (!isAddressAllowed(s, remoteAddress ?? '')) return `source address ${remoteAddress ?? '?'} is not allowed`;
    if (s.password !== undefined && !samePassword(logon.get(Tag.Password), s.password)) return 'wrong password';
    return undefined;
  }

  /** Counts a failed Logon from `address`; logs once when that locks the address out. */
  #failed(address: string | undefined): void {
    if (address === undefined) return;
    if (this.#guard.failed(address)) {
      this.#log.warn({ remoteAddress: address, lockoutMs: this.#guard.lockedForMs(address) }, 'too many failed logons: address locked out');
    }
  }
}
