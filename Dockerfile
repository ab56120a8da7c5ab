# fixgw: FIX 4.4 gateway. The build stage compiles src/ and simulator/ (npm ci runs `prepare`); the runtime stage
# holds production dependencies, the compiled code, the default settings, the FIX dictionary and the example
# scenarios: no tests, no benchmarks.
# Node 24 (LTS): Node 20 reached its end of life in April 2026. The suite runs on both (.ci/run).
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY simulator ./simulator
RUN npm ci && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY fix-specs ./fix-specs
COPY simulator/scenarios ./simulator/scenarios
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# FIX acceptor, HTTP/WebSocket market data
EXPOSE 9876 8080
# Asks the HTTP port the gateway's settings name (HttpHost/HttpPort of /app/config/gateway.cfg, which a mounted
# settings file replaces), or FIXGW_URL when it is set.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "dist/src/cli/main.js", "admin", "health", "--timeout-ms", "2500"]
# --no-maglev: V8's mid-tier compiler (on from Node 22) left the order path slower for its first tens of thousands
# of orders (docs/operations.md). Inside a container the gateway listens on every interface (--host, --http-host):
# publish only the ports you mean to open, and set Password / HttpAccessToken for anything beyond this machine.
ENTRYPOINT ["node", "--no-maglev", "dist/src/cli/main.js"]
CMD ["serve", "--data-dir", "/data", "--host", "0.0.0.0", "--http-host", "0.0.0.0"]
