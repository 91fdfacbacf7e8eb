# Minimal image for now (the deployment issue makes it multi-stage, non-root, with a healthcheck).
FROM node:24-slim
WORKDIR /app
COPY . .
# npm ci also compiles the TypeScript (prepare).
RUN npm ci
ENTRYPOINT ["node", "/app/bin/meshgd.js"]
