# syntax=docker/dockerfile:1
# The breakeven worker/CLI image. Build: `docker build -t breakeven .`; run: `docker compose up`.
# test/integration/deploy/image-steps.test.ts repeats these steps (pack, clean production install,
# --version, a chart PNG with the bundled font only) in the test suite, where Docker cannot run.

# --- build: compile TypeScript and pack exactly what the package ships --------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
COPY jobs ./jobs
COPY migrations ./migrations
COPY templates ./templates
COPY docs ./docs
COPY README.md breakeven.config.example.yaml ./
RUN npm run build \
 && npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /app \
 && tar -xzf /tmp/breakeven-*.tgz -C /app --strip-components=1 \
 && cp package-lock.json /app/

# --- runtime: production dependencies only, non-root -------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    BREAKEVEN_HTTP_HOST=0.0.0.0 \
    BREAKEVEN_HTTP_PORT=9464 \
    BREAKEVEN_DATA_DIR=/data/pgdata \
    BREAKEVEN_CONFIG=/etc/breakeven/breakeven.config.yaml
WORKDIR /app
COPY --from=build /app ./
# --ignore-scripts: no install script is needed (resvg and PGlite ship prebuilt binaries as
# packages; msgpackr falls back to JavaScript) and `prepare` would try to build again.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /data /etc/breakeven \
 && cp breakeven.config.example.yaml /etc/breakeven/breakeven.config.yaml \
 && chown -R node:node /data
USER node
EXPOSE 9464
VOLUME ["/data"]
# /healthz is 200 while Redis is connected and every worker runs (jobs/http.ts).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.BREAKEVEN_HTTP_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/breakeven.js"]
CMD ["worker"]
