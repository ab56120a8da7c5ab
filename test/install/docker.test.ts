// The Docker image, checked without a Docker engine: what the Dockerfile copies (the compiled gateway and simulator,
// production dependencies, settings, dictionary, example scenarios; no tests, no benches), and its HEALTHCHECK command
// run against a real gateway: it asks the HTTP port the settings name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, gatewayCfg, serve } from '../support/served.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, '');
const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+ /.test(l));

test('the image gets the compiled code, settings, dictionary and scenarios, and no tests or benches', () => {
  const copies = instructions.filter((l) => l.startsWith('COPY ')).map((l) => l.split(/\s+/).slice(1, -1).join(' '));
  for (const c of copies) assert.doesNotMatch(c, /(^|\s|\/)(test|bench)(\s|\/|$)/, c);
  for (const wanted of ['src', 'simulator', 'config', 'fix-specs', 'simulator/scenarios', 'tsconfig.build.json']) {
    assert.ok(copies.some((c) => c.split(' ').includes(wanted)), `COPY of ${wanted}: ${copies.join(' | ')}`);
  }
  assert.ok(instructions.includes('RUN npm ci && npm prune --omit=dev'));
  const cmd = JSON.parse(instructions.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
  assert.deepEqual(cmd, ['serve', '--data-dir', '/data', '--host', '0.0.0.0', '--http-host', '0.0.0.0']);
});

test('the HEALTHCHECK command answers 0 while the gateway is up on the port its settings name, 1 when it is not', async () => {
  const line = instructions.find((l) => l.startsWith('HEALTHCHECK '))!;
  const command = JSON.parse(line.slice(line.indexOf('CMD ') + 4)) as string[];
  assert.deepEqual(command.slice(0, 4), ['node', 'dist/src/cli/main.js', 'admin', 'health']);
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-health-'));
  const httpPort = await freePort();
  const cfgText = gatewayCfg({ HttpPort: httpPort });
  const cfg = path.join(dir, 'mounted.cfg');
  writeFileSync(cfg, cfgText);
  // In the image the settings are /app/config/gateway.cfg; here the same check is given this gateway's file.
  const check = (env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [...command.slice(1), '--config', cfg],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } });
  const gw = await serve(dir, 0, { cfg: cfgText });
  try {
    const up = check();
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /^\{"status":"ok"/);
    const elsewhere = check({ FIXGW_URL: `http://127.0.0.1:${await freePort()}` });
    assert.equal(elsewhere.status, 1, 'FIXGW_URL wins over the settings');
    assert.match(elsewhere.stderr, /^fixgw admin: http:\/\/127\.0\.0\.1:\d+\/health: connect ECONNREFUSED/);
  } finally {
    gw.proc.kill('SIGKILL');
    await gw.exited;
  }
  try {
    const down = check();
    assert.equal(down.status, 1);
    assert.match(down.stderr, new RegExp(`^fixgw admin: http://127\\.0\\.0\\.1:${httpPort}/health: `));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
