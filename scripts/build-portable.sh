#!/usr/bin/env bash
# Builds the portable Linux binary: linked against glibc 2.17 (manylinux2014; any distribution since 2014) with
# `cargo zigbuild`, then checked with scripts/check-glibc.sh. Rust's std needs nothing newer than 2.17.
#   scripts/build-portable.sh [ARCH] [PROFILE]   ARCH: x86_64 (default) or aarch64; PROFILE: release (default) or dev
# Prints the binary's path on stdout: target/<ARCH>-unknown-linux-gnu/<release|debug>/mcp-a2a-bridge.
# Tools (zig, cargo-zigbuild) come from PyPI through scripts/pkg-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:-x86_64}"
profile="${2:-release}"
baseline=2.17
case "$arch" in x86_64 | aarch64) ;; *) echo "build-portable: ARCH must be x86_64 or aarch64" >&2; exit 2 ;; esac
case "$profile" in release) dir=release ;; dev) dir=debug ;; *) echo "build-portable: PROFILE must be release or dev" >&2; exit 2 ;; esac
. scripts/pkg-tools.sh
rustup target list --installed 2>/dev/null | grep -qx "$arch-unknown-linux-gnu" \
    || rustup target add "$arch-unknown-linux-gnu" >&2
cargo zigbuild --locked --profile "$profile" --bin mcp-a2a-bridge --target "$arch-unknown-linux-gnu.$baseline" >&2
binary="target/$arch-unknown-linux-gnu/$dir/mcp-a2a-bridge"
scripts/check-glibc.sh "$binary" "$baseline" >&2
echo "$binary"
