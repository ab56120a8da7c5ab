// Test-only npm packages that fixgw does not depend on (an independent FIX engine for an interop test): each is
// described by test/interop/<name>/package.json + package-lock.json (every package pinned by version and integrity)
// and installed with `npm ci` into node_modules/.cache/fixgw-interop/ the first time a test needs it, so a plain
// `npm ci` of fixgw stays small and quiet. Needs the npm registry (or npm's own cache) on that first run.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Installs test/interop/<name> (once per lockfile) and returns a `require` that resolves from it. */
export function requireInterop(name: string): NodeRequire {
  const spec = path.join(repoRoot, 'test', 'interop', name);
  const lock = readFileSync(path.join(spec, 'package-lock.json'));
  const cacheRoot = path.join(repoRoot, 'node_modules', '.cache', 'fixgw-interop');
  const dir = path.join(cacheRoot, `${name}-${createHash('sha256').update(lock).digest('hex').slice(0, 12)}`);
  if (!existsSync(path.join(dir, 'node_modules'))) install(spec, cacheRoot, dir);
  return createRequire(path.join(dir, 'package.json'));
}

function install(spec: string, cacheRoot: string, dir: string): void {
  mkdirSync(cacheRoot, { recursive: true });
  const tmp = mkdtempSync(path.join(cacheRoot, '.installing-'));
  try {
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(path.join(spec, file), path.join(tmp, file));
    // --ignore-scripts: what the tests use needs no install script (and npm 11 asks before running one).
    execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    // Another test process may have finished the same install first.
    if (existsSync(path.join(dir, 'node_modules'))) return;
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`could not install the test-only packages of ${spec} with npm ci: ${(err as Error).message}\n${stderr}`);
  }
}
