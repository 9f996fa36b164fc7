# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, run with production dependencies only, as a non-root user.
# better-sqlite3 compiles a native addon, so both stages use the same Debian-based Node image.

FROM node:20-bookworm-slim AS toolchain
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./

# Compiles TypeScript (dev dependencies), copies the CPIC data next to the compiled knowledge module, and bundles the
# web front end (Vite) into dist/web, which the service serves.
FROM toolchain AS build
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

# Production dependencies only; better-sqlite3's native addon is compiled here for this base image.
FROM toolchain AS deps
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_URL=/var/lib/pgx-cds/cds.sqlite
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json cds-services.json NOTICE ./
COPY --chown=node:node config ./config
# The synthetic demo patients: served at /demo/fhir only with DEMO_FHIR=on (off by default in production); in every
# mode the hooks are warmed up on them, in process and unrecorded, before the service listens.
COPY --chown=node:node demo ./demo
RUN mkdir -p /var/lib/pgx-cds && chown node:node /var/lib/pgx-cds
USER node
EXPOSE 3000
VOLUME ["/var/lib/pgx-cds"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# PUBLIC_BASE_URL, CDS_TRUSTED_ISSUERS, LINK_SECRET and SESSION_SECRET must be provided at run time (production
# defaults to CDS_AUTH=jwt); OIDC_ISSUER and OIDC_CLIENT_ID for sign-in to the pages; METRICS_TOKEN for a Prometheus
# scraper (without it, /metrics answers signed-in admins only).
CMD ["node", "dist/main.js"]
