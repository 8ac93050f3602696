#!/usr/bin/env bash
# check-exports.sh BUILD_DIR: the shared library exports exactly the
# functions the public headers declare (IM_API in include/influmap/), no
# more (an internal function leaking into the ABI) and no fewer (a
# declaration with no definition, or one built hidden).
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")/.." && pwd)
[ -e "$build/libinflumap.so" ] || { echo "check-exports: no libinflumap.so in $build" >&2; exit 1; }
lib=$(readlink -f "$build/libinflumap.so")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Every symbol the library defines in its dynamic table, whatever its kind.
nm -D --defined-only "$lib" | awk '{print $NF}' | sort -u >"$tmp/exported"
# Every function a public header declares: IM_API, then the name before "(".
cat "$src"/include/influmap/*.h "$src"/include/influmap/version.h.in |
  sed -n 's/^IM_API .*\b\(im_[a-z0-9_]*\)[[:space:]]*(.*/\1/p' | sort -u >"$tmp/declared"
status=0
if ! comm -23 "$tmp/exported" "$tmp/declared" | grep -q .; then :; else
  echo "check-exports: exported but not declared in include/influmap/:" >&2
  comm -23 "$tmp/exported" "$tmp/declared" | sed 's/^/  /' >&2
  status=1
fi
if comm -13 "$tmp/exported" "$tmp/declared" | grep -q .; then
  echo "check-exports: declared in include/influmap/ but not exported:" >&2
  comm -13 "$tmp/exported" "$tmp/declared" | sed 's/^/  /' >&2
  status=1
fi
soname=$(objdump -p "$lib" | awk '$1=="SONAME"{print $2}')
echo "check-exports: $(wc -l <"$tmp/exported") symbols exported, $(wc -l <"$tmp/declared") declared; soname $soname"
case "$soname" in
  libinflumap.so.[0-9]*) ;;
  *) echo "check-exports: soname '$soname' does not say the ABI version" >&2; status=1 ;;
esac
exit $status
