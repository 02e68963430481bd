# syntax=docker/dockerfile:1
# The Sluice worker image, for deploy/ (docs/install.md):  docker build -t sluice:dev .
# This project's CI cannot build it (the machine has no Docker engine). What CI checks instead: the overlays
# pass `kubectl apply --dry-run=server`, and test/e2e/install.test.ts runs this image's command, from a fresh
# `npm run build`, with the Deployment's environment; test/unit/deploy/image.test.ts keeps the command equal to
# `npm start` and the tool versions equal to scripts/versions.env.
ARG NODE_VERSION=20.20.2
ARG GO_VERSION=1.26.8

# 1. kustomize, helm and go-jsonnet from the Go module proxy at the versions in scripts/versions.env, by the same
#    script that builds the local stack's (the proxy's checksum database verifies every module).
FROM golang:${GO_VERSION}-bookworm AS tools
RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/build-tools.sh scripts/versions.env scripts/
RUN for tool in kustomize helm jsonnet; do SLUICE_CACHE=/cache bash scripts/build-tools.sh "$tool"; done \
 && . scripts/versions.env && mkdir /tools \
 && cp "/cache/kustomize-$KUSTOMIZE_VERSION/bin/kustomize" "/cache/helm-$HELM_VERSION/bin/helm" \
       "/cache/jsonnet-$JSONNET_VERSION/bin/jsonnet" /tools/

# 2. The compiled worker (`npm run build`: tsc, then the prebuilt workflow bundle), then production modules only.
#    The patches in patches/ are applied by npm ci's postinstall and stay applied after the prune.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches patches
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY worker worker
COPY client client
COPY config config
COPY scripts/bundle-workflows.ts scripts/
RUN npm run build && npm prune --omit=dev

# 3. The runtime: node, git, the three renderers and the build, as an unprivileged user. The Deployment mounts
#    writable volumes at /var/cache/sluice (HOME and the caches) and /tmp; the root filesystem is read-only.
FROM node:${NODE_VERSION}-bookworm-slim
COPY scripts/versions.env /etc/sluice/versions.env
RUN . /etc/sluice/versions.env \
 && apt-get update \
 && apt-get install -y --no-install-recommends "git=$IMAGE_GIT_VERSION" ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 sluice && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/cache/sluice sluice \
 && mkdir -p /var/cache/sluice && chown 10001:10001 /var/cache/sluice
COPY --from=tools /tools/ /usr/local/bin/
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
USER 10001:10001
ENV HOME=/var/cache/sluice
# As `npm start` runs it (package.json): glibc arenas and V8's young generation and heap growth bounded, as measured
# in bench/RESULTS.md. tini reaps the renderers' children and forwards SIGTERM to node.
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "dist/worker/main.js"]
EXPOSE 8080 9464
