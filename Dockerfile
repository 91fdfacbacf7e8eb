# Minimal image for now (the deployment issue makes it multi-stage, non-root, with a healthcheck).
FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY vendor ./vendor
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build
ENTRYPOINT ["node", "/app/bin/meshgd.js"]
