// The viewer's scripts besides its page: TradingView's Lightweight Charts (the standalone build from node_modules,
// pinned in package.json, Apache-2.0 with its NOTICE shown on the page) and the viewer's own charts
// (viewer-charts.ts). Both are served by the gateway itself, so the page loads nothing from elsewhere.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { VIEWER_CHARTS_JS } from './viewer-charts.js';

const CHART_LIBRARY_FILE = 'dist/lightweight-charts.standalone.production.js';
let chartLibrary: Buffer | undefined;

/** The library's file, read once (about 200 kB). */
function chartLibraryBytes(): Buffer {
  if (chartLibrary === undefined) {
    const pkg = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
    chartLibrary = readFileSync(path.join(path.dirname(pkg), CHART_LIBRARY_FILE));
  }
  return chartLibrary;
}

export function registerViewerAssets(app: FastifyInstance): void {
  const js = 'application/javascript; charset=utf-8';
  app.get('/assets/lightweight-charts.js', async (_req, reply) => reply.type(js).header('cache-control', 'public, max-age=86400').send(chartLibraryBytes()));
  app.get('/viewer-charts.js', async (_req, reply) => reply.type(js).header('cache-control', 'no-cache').send(VIEWER_CHARTS_JS));
}
