# admit production image: Node 24 slim, production dependencies only, non-root.
#
# It runs production (NODE_ENV=production), never the demo: the config is the
# operator's, mounted at /etc/admit/admit.yaml (start from
# config/production.example.yaml), and admit refuses to start, naming the
# setting, without one or with the demo's user, site, secrets or loopback
# requests (src/config/production.ts). README "Running in production".
#
#   docker run -v ./admit.yaml:/etc/admit/admit.yaml:ro -v admit-data:/app/data \
#     -e ADMIT_ISSUER=https://id.example.com -e ADMIT_SECRET_FILE=/run/secrets/admit_secret …
#
# Base pinned by version and by the digest of its multi-platform index
# (taken from public pins of this tag; check it with
# `docker buildx imagetools inspect node:24.21.0-bookworm-slim`). Node 24.21.0
# is the version package.json pins for development.
FROM node:24.21.0-bookworm-slim@sha256:2fe369e969550cde8e867afc3fe370b260140cab4a23d467074295b42163d553

ENV NODE_ENV=production \
    PORT=3000 \
    ADMIT_CONFIG=/etc/admit/admit.yaml
WORKDIR /app

COPY package.json package-lock.json ./
# The pinned `node` devDependency is not needed here: the image's Node is 24.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY src ./src
COPY plugins ./plugins
COPY views ./views
COPY public ./public
# Every page's, email's and text's words (src/i18n reads locales/<language>/*.json at start).
COPY locales ./locales
# The examples only (.dockerignore leaves out the demo's config/default.yaml).
COPY config ./config
COPY bin ./bin

RUN mkdir -p /app/data /etc/admit && chown -R node:node /app/data
USER node

EXPOSE 3000
VOLUME ["/app/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "src/main.ts"]
