#!/usr/bin/env bash
# Builds the Python wheel with maturin, installs it into a fresh virtual environment under target/, and runs the
# installed `mcp-a2a-bridge` there with no Rust toolchain on PATH: `--version`, then the demo agent and a stdio
# `tools/list` + `tools/call` through the bridge (scripts/mcp-smoke.py).
#
#   scripts/test-wheel.sh [--portable] [--profile dev|release]
#
# --portable   build as the release does on Linux: with zig, for glibc 2.17 (manylinux2014 tag), and check the
#              binary inside the wheel with scripts/check-glibc.sh. A separate target triple, so the first run
#              compiles every dependency once (cached under target/x86_64-unknown-linux-gnu/ afterwards).
#              Without it: the host's glibc, reusing target/debug (or target/release) from cargo build/test.
# --profile    dev (default: a packaging test needs no optimisation) or release (what the release ships).
set -euo pipefail
cd "$(dirname "$0")/.."
portable=0
profile=dev
while [ $# -gt 0 ]; do
    case "$1" in
        --portable) portable=1 ;;
        --profile) profile="${2:?--profile needs dev or release}"; shift ;;
        *) echo "usage: $0 [--portable] [--profile dev|release]" >&2; exit 2 ;;
    esac
    shift
done
. scripts/pkg-tools.sh

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
out="target/wheel-test"
rm -rf "$out"
mkdir -p "$out/dist"

echo "== maturin build (profile $profile$([ $portable = 1 ] && echo ', zig, manylinux2014'))"
if [ $portable = 1 ]; then
    maturin build --locked --profile "$profile" --zig --compatibility manylinux2014 \
        --target "$(uname -m)-unknown-linux-gnu" --out "$out/dist"
else
    maturin build --locked --profile "$profile" --out "$out/dist"
fi
wheels=("$out"/dist/*.whl)
[ ${#wheels[@]} -eq 1 ] || { echo "test-wheel: expected one wheel, got: ${wheels[*]}" >&2; exit 1; }
wheel="${wheels[0]}"
echo "wheel: $wheel ($(du -h "$wheel" | cut -f1))"
case "$(basename "$wheel")" in
    "mcp_a2a_bridge-$version-py3-none-"*) ;;
    *) echo "test-wheel: wheel name does not carry version $version and the py3-none tag" >&2; exit 1 ;;
esac
if [ $portable = 1 ]; then
    case "$wheel" in *manylinux_2_17*) ;; *) echo "test-wheel: not a manylinux2014 wheel: $wheel" >&2; exit 1 ;; esac
    mkdir -p "$out/unzipped"
    python3 -m zipfile -e "$wheel" "$out/unzipped"
    scripts/check-glibc.sh "$out/unzipped/mcp_a2a_bridge-$version.data/scripts/mcp-a2a-bridge" 2.17
fi

echo "== fresh venv, install the wheel (no index: nothing but the wheel)"
python3 -m venv "$out/venv"
"$out/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
installed="$out/venv/bin/mcp-a2a-bridge"
[ -x "$installed" ] || { echo "test-wheel: the wheel did not install $installed" >&2; exit 1; }

echo "== the installed binary, with only the venv and the system on PATH (no cargo, no target/)"
env -i HOME="$HOME" PATH="$PWD/$out/venv/bin:/usr/bin:/bin" \
    "$out/venv/bin/python" scripts/mcp-smoke.py "$installed" --expect-version "$version"
