#!/usr/bin/env bash
# Packs the MCP Bundle (.mcpb) for Claude Desktop for one platform: manifest.json (its platforms narrowed to the
# one the binary runs on), the binary under server/, and bridge.example.toml; validated with `mcpb validate`,
# packed with `mcpb pack` (@anthropic-ai/mcpb, pinned in scripts/tools/package.json).
#   scripts/pack-mcpb.sh [BINARY] [PLATFORM] [ARCH]
#     BINARY    default target/release/mcp-a2a-bridge (.exe on Windows)
#     PLATFORM  darwin, win32 or linux; default: this machine's
#     ARCH      a label for the file name (x86_64, arm64, universal); default: this machine's
# Prints the bundle's path: target/dist/mcp-a2a-bridge-<version>-<platform>-<arch>.mcpb
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -s)" in
    Darwin) here=darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) here=win32 ;;
    *) here=linux ;;
esac
platform="${2:-$here}"
arch="${3:-$(uname -m)}"
exe=""
[ "$platform" = win32 ] && exe=".exe"
binary="${1:-target/release/mcp-a2a-bridge$exe}"
case "$platform" in darwin | win32 | linux) ;; *) echo "pack-mcpb: PLATFORM must be darwin, win32 or linux" >&2; exit 2 ;; esac
[ -f "$binary" ] || { echo "pack-mcpb: no binary at $binary (build it first)" >&2; exit 1; }
python=python3
[ "$here" = win32 ] && python=python
if [ -z "${PKG_TOOLS:-}" ]; then . scripts/pkg-tools.sh; fi

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
stage="target/mcpb/$platform-$arch"
rm -rf "$stage"
mkdir -p "$stage/server" target/dist
"$python" - "$version" "$platform" "$stage/manifest.json" <<'PY'
import json, sys
version, platform, out = sys.argv[1:]
manifest = json.load(open("manifest.json", encoding="utf-8"))
if manifest["version"] != version:
    sys.exit(f"pack-mcpb: manifest.json says version {manifest['version']}, Cargo.toml {version}")
manifest["compatibility"]["platforms"] = [platform]
json.dump(manifest, open(out, "w", encoding="utf-8"), indent=2)
PY
cp "$binary" "$stage/server/mcp-a2a-bridge$exe"
chmod 755 "$stage/server/mcp-a2a-bridge$exe"
cp bridge.example.toml "$stage/"
mcpb validate "$stage/manifest.json" >&2
bundle="target/dist/mcp-a2a-bridge-$version-$platform-$arch.mcpb"
rm -f "$bundle"
mcpb pack "$stage" "$bundle" >&2
echo "$bundle"
