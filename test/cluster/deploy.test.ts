// deploy/cluster checked without Docker: the compose file's services, mounted files and ports fit together, the NATS
// config is valid for nats-server under each server name, and every gateway node's .cfg (the compose ones and the
// ones local-up writes) parses into cluster settings naming the NATS servers of its topology. `fixgw serve` in
// cluster mode with NATS unreachable exits non-zero naming the URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { localGatewayCfg } from '../../src/cluster/local-up.js';
import { freePorts } from '../../src/cluster/local-nats.js';
import { CLUSTER_KEYS, parseClusterSettings, type ClusterSettings } from '../../src/cluster/settings.js';
import { parseGatewaySettings } from '../../src/gateway/config.js';
import { CLI, gatewayCfg } from '../../harness/served.js';
import { tempDirs } from '../support/temp-dirs.js';

const DEPLOY = fileURLToPath(new URL('../../../deploy/cluster/', import.meta.url));

interface Service { image?: string; build?: unknown; command?: string[]; volumes?: string[]; ports?: string[]; environment?: Record<string, string> }

/** The cluster settings of a node's .cfg, read by the gateway's own settings parser (which refuses keys it would not use). */
function clusterOf(cfgText: string, file: string): ClusterSettings {
  const settings = parseClusterSettings(parseGatewaySettings(cfgText, DEPLOY, { moreKeys: CLUSTER_KEYS }).more);
  assert.ok(settings !== null, `${file} is in cluster mode`);
  return settings;
}

test('the compose file\'s services, mounted files and ports fit together', () => {
  const compose = parse(readFileSync(path.join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const names = Object.keys(compose.services);
  assert.deepEqual(names, ['nats-1', 'nats-2', 'nats-3', 'gateway-a', 'gateway-b', 'gateway-c']);
  const hostPorts: string[] = [];
  const nodeIds: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (source.startsWith('./')) assert.ok(existsSync(path.join(DEPLOY, source)), `${name} mounts ${source}, which exists`);
    }
    for (const port of service.ports ?? []) hostPorts.push(port.split(':')[0]!);
    if (name.startsWith('nats-')) {
      assert.equal(service.environment?.SERVER_NAME, name, `${name} runs under its own server name`);
      assert.deepEqual(service.command, ['nats-server', '-c', '/etc/nats/fixgw.conf']);
      continue;
    }
    const cfgSource = service.volumes!.find((v) => v.endsWith(':/etc/fixgw/gateway.cfg:ro'))!.split(':')[0]!;
    assert.ok(service.command!.includes('/etc/fixgw/gateway.cfg'), `${name} runs on its mounted .cfg`);
    const settings = clusterOf(readFileSync(path.join(DEPLOY, cfgSource), 'utf8'), cfgSource);
    assert.deepEqual(settings.natsUrls.map((u) => new URL(u).hostname), ['nats-1', 'nats-2', 'nats-3'], `${cfgSource} names the compose NATS services`);
    assert.equal(settings.replicas, 3);
    nodeIds.push(settings.nodeId);
  }
  assert.deepEqual(nodeIds, ['a', 'b', 'c']);
  assert.equal(new Set(hostPorts).size, hostPorts.length, `host ports are distinct: ${hostPorts.join(' ')}`);
});

test('nats.conf is a valid nats-server config under each server name', () => {
  for (const name of ['nats-1', 'nats-2', 'nats-3']) {
    const r = spawnSync('nats-server', ['-c', path.join(DEPLOY, 'nats.conf'), '-t'], { env: { ...process.env, SERVER_NAME: name }, encoding: 'utf8' });
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  }
  const r = spawnSync('nats-server', ['-c', path.join(DEPLOY, 'nats.conf'), '-t'], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
  assert.notEqual(r.status, 0, 'without SERVER_NAME it is refused, not run nameless');
});

test('the .cfg local-up writes for a node parses into that node\'s cluster settings', () => {
  const urls = ['nats://127.0.0.1:4301', 'nats://127.0.0.1:4302', 'nats://127.0.0.1:4303'];
  const settings = clusterOf(localGatewayCfg('b', urls, 3, 9877, 8081), 'gateway-b.cfg');
  assert.deepEqual([settings.nodeId, settings.natsUrls, settings.replicas], ['b', urls, 3]);
});

test('fixgw serve in cluster mode with NATS unreachable exits non-zero, naming every URL', () => {
  const dir = tempDirs('fixgw-cluster-unreachable-')();
  return freePorts(2).then((ports) => {
    const natsUrls = ports.map((p) => `nats://127.0.0.1:${p}`);
    const cfg = path.join(dir, 'gateway.cfg');
    writeFileSync(cfg, gatewayCfg({ ClusterNatsUrls: natsUrls.join(','), ClusterNodeId: 'a', ClusterConnectTimeoutMs: 500 }));
    const r = spawnSync(process.execPath, [CLI, 'serve', '--config', cfg, '--fix-port', '0', '--data-dir', path.join(dir, 'data')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, r.stderr);
    for (const u of natsUrls) assert.ok(r.stderr.includes(u), `names ${u}: ${r.stderr}`);
    assert.match(r.stderr, /^fixgw serve: cannot reach NATS at /m);
  });
});
