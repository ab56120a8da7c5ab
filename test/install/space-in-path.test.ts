// fixgw installed under a directory whose path has a space in it: the packaged files (engine.json, gateway.cfg,
// FIX44.xml, package.json) must be found there. A copy of the built package (dist/src, dist/simulator, config,
// fix-specs, package.json; node_modules linked) goes into "<tmp>/my app/", and its CLI serves and replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayCfg } from '../support/served.js';
import { waitFor } from '../support/fix-harness.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The parts of the repository `fixgw` needs at run time, copied under `dir`. */
function installCopy(dir: string): string {
  for (const part of ['dist/src', 'dist/simulator', 'config', 'fix-specs', 'package.json']) {
    cpSync(path.join(repoRoot, part), path.join(dir, part), { recursive: true });
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return path.join(dir, 'dist', 'src', 'cli', 'main.js');
}

test('from a path with a space, serve finds the packaged engine.json, the simulator trades, replay reads the journal', { timeout: 120_000 }, async () => {
  const base = path.join(mkdtempSync(path.join(tmpdir(), 'fixgw-')), 'my app');
  mkdirSync(base);
  let served: ChildProcess | undefined;
  try {
    const cli = installCopy(path.join(base, 'fixgw'));
    // the packaged engine.json (no EngineConfig), the data directory named in the .cfg
    const cfg = path.join(base, 'gateway.cfg');
    const dataDir = path.join(base, 'data');
    writeFileSync(cfg, gatewayCfg({ EngineConfig: undefined, DataDirectory: dataDir }));
    const child = spawn(process.execPath, [cli, 'serve', '--config', cfg, '--fix-port', '0'], { cwd: base });
    served = child;
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let gone = false;
    void exited.then(() => { gone = true; });
    await waitFor('fixgw serving', () => { if (gone) throw new Error(`serve exited:\n${out}`); return out.includes('"fixgw serving"'); }, 60_000);
    const { fixPort } = JSON.parse(out.split('\n').find((l) => l.includes('"fixgw serving"'))!) as { fixPort: number };
    // The simulator (its FIX44.xml is located the same way) sends an order, so the journal has a command.
    const sim = spawnSync(process.execPath, [cli, 'sim', 'connect', '--port', String(fixPort), '--timeout', '30'],
      { input: 'buy 1 AAPL @ 190\nwait 500\n', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(sim.status, 0, sim.stderr);
    assert.match(sim.stdout, /^<- ExecutionReport #2 0:NEW 0:NEW AAPL 1:BUY/m);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);

    const replay = spawnSync(process.execPath, [cli, 'replay', '--config', cfg], { cwd: base, encoding: 'utf8' });
    assert.equal(replay.status, 0, replay.stderr);
    assert.ok(replay.stdout.includes(path.join(base, 'fixgw', 'config', 'engine.json')), replay.stdout);
    assert.match(replay.stdout, /AAPL\s+1 resting/);
    const help = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
    assert.match(help.stdout, /^\d+\.\d+\.\d+/);
  } finally {
    served?.kill('SIGKILL');
    rmSync(path.dirname(base), { recursive: true, force: true });
  }
});
