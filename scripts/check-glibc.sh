#!/usr/bin/env bash
# Checks that a Linux ELF binary needs no glibc newer than a baseline: the highest GLIBC_x.y version among the
# dynamic symbols `objdump -T` lists must be <= the baseline (default 2.17, the manylinux2014 / CentOS 7 floor
# that scripts/build-portable.sh targets). A fully static binary (no GLIBC_ symbols) passes.
#   scripts/check-glibc.sh BINARY [BASELINE]
# Exit 0 and one line with the highest version found; exit 1 naming the newer symbols; exit 2 on bad usage.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 BINARY [BASELINE, default 2.17]" >&2
    exit 2
fi
binary="$1"
baseline="${2:-2.17}"
[ -f "$binary" ] || { echo "check-glibc: no file $binary" >&2; exit 2; }
command -v objdump >/dev/null || { echo "check-glibc: objdump not found (Debian/Ubuntu: binutils)" >&2; exit 2; }
if ! head -c 4 "$binary" | grep -q 'ELF'; then
    echo "check-glibc: $binary is not an ELF binary" >&2
    exit 2
fi

# Lines look like: 0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.14) memcpy
symbols="$(objdump -T "$binary" | grep -oE '\(GLIBC_[0-9]+(\.[0-9]+)+\) +[^ ]+$' | tr -d '()' || true)"
if [ -z "$symbols" ]; then
    echo "check-glibc: $binary: no GLIBC_ symbol versions (static or not linked against glibc): ok"
    exit 0
fi
versions="$(printf '%s\n' "$symbols" | grep -oE '^GLIBC_[0-9]+(\.[0-9]+)+' | sed 's/^GLIBC_//' | sort -uV)"
highest="$(printf '%s\n' "$versions" | tail -n1)"
newer=""
while read -r v; do
    if [ "$(printf '%s\n%s\n' "$baseline" "$v" | sort -V | tail -n1)" != "$baseline" ]; then
        newer="$newer $v"
    fi
done <<< "$versions"
if [ -n "$newer" ]; then
    echo "check-glibc: $binary needs glibc newer than $baseline:" >&2
    for v in $newer; do
        printf '%s\n' "$symbols" | grep -E "^GLIBC_${v//./\\.}[ )]" | sed 's/^/  /' >&2
    done
    exit 1
fi
echo "check-glibc: $binary: highest GLIBC_ symbol version $highest <= $baseline: ok"
