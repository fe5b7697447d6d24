# syntax=docker/dockerfile:1
#
# The broker image: `ovsb serve` with terraform, as a non-root user.
#   docker build -t registry.example.com/ovsb:0.1.0 .
# Deployed by the broker's own stack (stacks/broker, `cdktf deploy ovsb-broker`; docs/iac-workflow.md).

# terraform comes from HashiCorp's official image at a pinned version, never from a download script.
FROM hashicorp/terraform:1.11.4 AS terraform

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles its native binding when no prebuilt one matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Install scripts off (package.json's `prepare` would compile sources not copied yet, and dev tools
# need none); then the one native module the broker uses is built.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json catalog.yaml ./
COPY src ./src
COPY modules ./modules
COPY stacks ./stacks
COPY broker ./broker
COPY data ./data
COPY schemas ./schemas
COPY --from=terraform /bin/terraform /usr/local/bin/terraform
# Every provider the catalog's stacks need, mirrored into the image (OVSB_PROVIDER_MIRROR below): a pod
# start never downloads providers, and the emptyDir plugin cache fills from this local copy.
RUN npm run build \
 && node dist/src/cli/main.js synth --out /tmp/synth \
 && mkdir /tmp/providers \
 && node dist/src/terraform/provider-requirements.js /tmp/synth /tmp/providers/providers.tf.json \
 && CHECKPOINT_DISABLE=1 terraform -chdir=/tmp/providers providers mirror /app/terraform-providers \
 && rm -rf /tmp/synth /tmp/providers \
 && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
# CA certificates: terraform fetches providers over TLS (unless OVSB_PROVIDER_MIRROR names a mirror).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 ovsb \
 && useradd --system --uid 10001 --gid ovsb --home-dir /var/lib/ovsb --shell /usr/sbin/nologin ovsb \
 && install -d -o ovsb -g ovsb -m 0700 /var/lib/ovsb
COPY --from=terraform /bin/terraform /usr/local/bin/terraform
WORKDIR /app
# Owned by root and read-only for the broker: it writes only to its data directory.
COPY --from=build /app/package.json /app/package-lock.json /app/catalog.yaml ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/data ./data
COPY --from=build /app/schemas ./schemas
COPY --from=build /app/terraform-providers /opt/terraform-providers
# terraform-provider-ovsb in terraform's system-wide implied mirror: terraform in this image installs
# `ovsb.local/ovsb/ovsb` with no CLI configuration (docs/terraform-provider.md).
RUN node dist/src/cli/main.js provider install /usr/local/share/terraform/plugins > /dev/null
ENV NODE_ENV=production \
    OVSB_PROVIDER_MIRROR=/opt/terraform-providers \
    OVSB_HOST=0.0.0.0 \
    OVSB_PORT=8080 \
    OVSB_DATA_DIR=/var/lib/ovsb \
    CHECKPOINT_DISABLE=1
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.OVSB_PORT || 8080}/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/cli/main.js", "serve"]
