# syntax=docker/dockerfile:1
# mcp-a2a-bridge as a container image: Streamable HTTP on port 8080 by default, stdio with `docker run -i`.
#
#   docker build -t mcp-a2a-bridge .
#   # HTTP (the config needs [server] auth_tokens, since 0.0.0.0 is not loopback; see docs/remote.md):
#   docker run --rm -p 8080:8080 -e BRIDGE_TOKEN -v "$PWD/bridge.toml:/etc/mcp-a2a-bridge/bridge.toml:ro" mcp-a2a-bridge
#   # stdio, for an MCP client that starts the container (any arguments replace the default `--http`):
#   docker run -i --rm -v "$PWD/bridge.toml:/etc/mcp-a2a-bridge/bridge.toml:ro" mcp-a2a-bridge \
#       --config /etc/mcp-a2a-bridge/bridge.toml
#
# Multi-platform (linux/amd64, linux/arm64): the build stage runs on the builder's own platform and cross-compiles,
# so no emulation is needed: docker buildx build --platform linux/amd64,linux/arm64 .

ARG RUST_VERSION=1.95

FROM --platform=$BUILDPLATFORM rust:${RUST_VERSION}-slim-bookworm AS build
ARG TARGETARCH
# ring (TLS) compiles C: a cross C compiler for arm64 when the builder is not arm64. The cross compiler's
# version follows the Debian release of the pinned Rust image, so it is not pinned again here.
# hadolint ignore=DL3008
RUN set -eux; \
    case "$TARGETARCH" in \
      amd64) echo x86_64-unknown-linux-gnu > /rust-target ;; \
      arm64) echo aarch64-unknown-linux-gnu > /rust-target ;; \
      *) echo "unsupported TARGETARCH $TARGETARCH" >&2; exit 1 ;; \
    esac; \
    if [ "$(dpkg --print-architecture)" != "$TARGETARCH" ]; then \
      apt-get update; \
      apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross; \
      rm -rf /var/lib/apt/lists/*; \
    fi; \
    rustup target add "$(cat /rust-target)"
ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# Cargo.toml declares the benchmark target, so its sources must be present for cargo to read the manifest.
COPY benches ./benches
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin mcp-a2a-bridge --target "$(cat /rust-target)" \
    && cp "target/$(cat /rust-target)/release/mcp-a2a-bridge" /mcp-a2a-bridge

# glibc, libgcc and CA certificates, no shell, user 65532 (nonroot).
FROM gcr.io/distroless/cc-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="mcp-a2a-bridge" \
      org.opencontainers.image.description="An MCP server that exposes Agent2Agent (A2A) agents' skills as MCP tools" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      io.modelcontextprotocol.server.name="io.github.mcp-a2a-bridge/mcp-a2a-bridge"
COPY --from=build /mcp-a2a-bridge /usr/local/bin/mcp-a2a-bridge
ENV MCP_A2A_BRIDGE_CONFIG=/etc/mcp-a2a-bridge/bridge.toml \
    RUST_LOG=info
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/mcp-a2a-bridge"]
CMD ["--http", "0.0.0.0:8080"]
