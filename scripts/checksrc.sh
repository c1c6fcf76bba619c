#!/usr/bin/env bash
# Source checks in curl's spirit: banned functions, bare heap calls outside the
# allocator, and file size. Exits non-zero with file:line on any finding.
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
files=$(git ls-files --cached --others --exclude-standard 'src/*.c' 'src/*.h' 'include/*.h' 2>/dev/null || find src include -name '*.[ch]')
banned='\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets|strtok)\s*\('
if grep -nE "$banned" $files; then
  echo "checksrc: banned function (use snprintf, memcpy with lengths, strtol, ...)"; rc=1
fi
heap='(^|[^_a-z.>])(malloc|calloc|realloc|free|strdup|strndup)\s*\('
for f in $files; do
  [ "$f" = src/core/alloc.c ] && continue
  if grep -nE "$heap" "$f" | grep -vE '^\s*[0-9]+:\s*(/?\*|//)'; then
    echo "checksrc: $f: bare heap call (use ls_malloc/ls_free)"; rc=1
  fi
done
for f in $files; do
  n=$(wc -l < "$f")
  if [ "$n" -gt 1600 ]; then
    echo "checksrc: $f has $n lines (split it: ~1,500 max)"; rc=1
  fi
done
exit $rc
