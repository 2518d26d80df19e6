# syntax=docker/dockerfile:1
# The "clue-worker" image: the vLLM OpenAI server image with Node 20 and the CLUE worker added. The worker
# starts `vllm serve` itself (one engine per model it is assigned) on the node's GPUs.
# Build from the repository root (scripts/build-images.sh does this):
#   docker build -f deploy/images/worker.Dockerfile -t ghcr.io/clue-orchestrator/clue-worker:0.1.0 .
# v0.11.1: the first release whose /pooling has the token_embed task the BERTScore scorer needs (vllm-sim imitates
# 0.11.0 for generation and 0.11.1 for pooling; docs/clue-fidelity.md). Pin base images by digest too for reproducible builds.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim
ARG VLLM_IMAGE=vllm/vllm-openai:v0.11.1

FROM ${NODE_IMAGE} AS node

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf test node_modules/@clue/system-tests \
 && find services -mindepth 2 -maxdepth 2 \( -name src -o -name tsconfig.json \) -exec rm -rf {} + \
 && find services -path '*/dist/*' \( -name '*.test.js' -o -name '*.test.js.map' -o -name '*.test.d.ts' -o -name '*.test.d.ts.map' \) -delete

FROM ${VLLM_IMAGE}
# The official Node binary is built for glibc >= 2.28; the vLLM image's Ubuntu has a newer glibc.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
RUN node --version \
 && command -v vllm \
 && groupadd --gid 10001 clue \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /cache --shell /usr/sbin/nologin clue \
 && mkdir -p /models /cache \
 && chown 10001:10001 /models /cache
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/services ./services
COPY --from=build /src/proto ./proto
# The worker runs as a non-root user with a read-only root filesystem in Kubernetes: every cache goes to
# /cache (an emptyDir there) and model weights to /models (the model-cache volume).
ENV NODE_ENV=production \
    CLUE_PROTO_DIR=/app/proto \
    HF_HOME=/models \
    HOME=/cache \
    XDG_CACHE_HOME=/cache \
    VLLM_CACHE_ROOT=/cache/vllm \
    TRITON_CACHE_DIR=/cache/triton \
    VLLM_NO_USAGE_STATS=1 \
    DO_NOT_TRACK=1
USER 10001:10001
EXPOSE 9465
# The vLLM image's entrypoint starts the API server; the worker starts vLLM itself instead.
ENTRYPOINT ["node", "/app/services/worker/dist/main.js"]
CMD ["--engine-executable", "vllm"]
