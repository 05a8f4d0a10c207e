# The API image. Migrations run at start (prisma migrate deploy), then the
# consulate reference data is seeded idempotently.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# openssl: Prisma's engines probe for it.
RUN apt-get update && apt-get install -y --no-install-recommends openssl ca-certificates && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY scripts ./scripts
RUN npm run build
USER node
EXPOSE 3000
# As `npm start` runs it (package.json), without the build step the image already made.
CMD ["node", "--max-old-space-size=160", "--max-semi-space-size=4", "--enable-source-maps", "dist/server.js"]
