# syntax=docker/dockerfile:1
# The "clue" image: the coordinator and the `clue` CLI (the nightly CronJob runs `clue submit` from it).
# Build from the repository root (scripts/build-images.sh does this):
#   docker build -f deploy/images/coordinator.Dockerfile -t ghcr.io/clue-orchestrator/clue:0.1.0 .
# Base images are pinned by tag; pin them by digest too (NODE_IMAGE=node:...@sha256:...) for reproducible builds.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
# npm ci runs the root `prepare` (tsc -b); `npm run build` makes sure every workspace is built (the bins are the committed services/*/bin stubs).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf test node_modules/@clue/system-tests \
 && find services -mindepth 2 -maxdepth 2 \( -name src -o -name tsconfig.json \) -exec rm -rf {} + \
 && find services -path '*/dist/*' \( -name '*.test.js' -o -name '*.test.js.map' -o -name '*.test.d.ts' -o -name '*.test.d.ts.map' \) -delete

FROM ${NODE_IMAGE}
# tzdata: the nightly job computes its run key's date in the CronJob's time zone (TZ).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 clue \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin clue
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/services ./services
COPY --from=build /src/proto ./proto
RUN ln -s /app/services/cli/bin/clue.js /usr/local/bin/clue \
 && ln -s /app/services/coordinator/bin/clue-coordinator.js /usr/local/bin/clue-coordinator
ENV NODE_ENV=production \
    CLUE_PROTO_DIR=/app/proto
USER 10001:10001
EXPOSE 50051 9464
ENTRYPOINT ["node", "/app/services/coordinator/dist/main.js"]
