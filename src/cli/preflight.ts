// What `fixgw serve` checks before its warm-up, so a mistake in the settings or on the machine is reported at once,
// in one line, before anything is written: the FIX and HTTP ports can be opened, and the data directory (and any
// FileStorePath / FileLogPath) can be written. And how a start-up failure is told: one line on stderr, the JSON
// fatal with its stack only at LOG_LEVEL=debug.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';

/** A start-up problem whose message is already the line to print. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface PortToCheck {
  /** 'FIX' or 'HTTP': named in the message. */
  what: string;
  host: string;
  port: number;
  /** The setting and flag that choose the port, for the message. */
  setBy: string;
}

/** Throws a StartupError when `p` cannot be listened on (in use, not an address here, a privileged port). Port 0
 *  (any free port) is not checked. */
export async function checkPortFree(p: PortToCheck): Promise<void> {
  if (p.port === 0) return;
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port: p.port, host: p.host }, () => probe.close(() => resolve()));
  }).catch((err: NodeJS.ErrnoException) => {
    throw new StartupError(listenProblem(p, err));
  });
}

/** The one line for a listen error of the FIX or HTTP port (EADDRINUSE and the like); the error's message otherwise. */
export function listenProblem(p: PortToCheck, err: NodeJS.ErrnoException): string {
  const where = `${p.what} port ${p.port} on ${p.host}`;
  switch (err.code) {
    case 'EADDRINUSE': return `${where} is already in use by another process: stop it, or choose another port (${p.setBy})`;
    case 'EACCES': return `${where} cannot be opened: permission denied (ports below 1024 need privileges; ${p.setBy})`;
    case 'EADDRNOTAVAIL': return `${p.what} listen address ${p.host} is not an address of this machine`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `${p.what} listen address ${p.host} cannot be resolved`;
    default: return `${where}: ${err.message}`;
  }
}

/** Throws a StartupError unless `dir` is (or can be made) a directory this process can write in. The directory is
 *  made if missing (as the gateway would); a probe file is created and removed in it; its subdirectories that already
 *  exist (journal, snapshots, store, log) are probed too, so a restored copy with the wrong owner is caught as well. */
export function checkWritableDir(what: string, dir: string): void {
  const fail = (err: NodeJS.ErrnoException, at: string): never => {
    throw new StartupError(`${what} ${dir} is not writable: ${errnoText(err)}${at !== dir ? ` (${at})` : ''}`);
  };
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    fail(err as NodeJS.ErrnoException, nearestExisting(dir));
  }
  if (!fs.statSync(dir).isDirectory()) throw new StartupError(`${what} ${dir} is not a directory`);
  const dirs = [dir, ...fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name))];
  for (const d of dirs) {
    const probe = path.join(d, `.fixgw-write-check-${process.pid}`);
    try {
      fs.closeSync(fs.openSync(probe, 'wx'));
      fs.unlinkSync(probe);
    } catch (err) {
      fail(err as NodeJS.ErrnoException, d);
    }
  }
}

function nearestExisting(p: string): string {
  let at = p;
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

function errnoText(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'read-only file system';
    case 'ENOTDIR': return 'a part of the path is a file, not a directory';
    case 'ENOSPC': return 'no space left on the device';
    default: return err.message;
  }
}

/** Prints a start-up failure: one line on stderr; with LOG_LEVEL=debug also the JSON fatal with the error's stack. */
export function reportStartupFailure(log: Logger, err: unknown, prefix = ''): void {
  if (log.isLevelEnabled('debug')) log.fatal({ err }, 'fixgw could not start');
  log.flush();
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`fixgw serve: ${prefix}${message.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '').join('; ')}\n`);
}
