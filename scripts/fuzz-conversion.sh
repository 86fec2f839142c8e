#!/usr/bin/env bash
# Fuzzes the conversion (tar reading, flattening, squashfs writing) with libFuzzer, AddressSanitizer on the Swift code
# and on the C writer, for a fixed time. Seeds: the crafted layers of the differential test. Crashes, leaks and
# timeouts land in .build-fuzz/crashes/ (replay one: the ConversionFuzz binary of a plain `swift build` takes files);
# each becomes a regression test in Tests/ImageRepoTests.
#
#   bash scripts/fuzz-conversion.sh [SECONDS]      (default 300; uses one core: check the machine is not busy)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-300}
cd "$root"
build=.build-fuzz
log() { echo "fuzz-conversion: $*" >&2; }

log "building the fuzz target (libFuzzer + AddressSanitizer)"
swift build --scratch-path "$build" --product ConversionFuzz --sanitize=fuzzer --sanitize=address \
    -Xswiftc -parse-as-library -Xswiftc -DFUZZING >&2
binary=$(swift build --scratch-path "$build" --product ConversionFuzz --sanitize=fuzzer --sanitize=address \
    -Xswiftc -parse-as-library -Xswiftc -DFUZZING --show-bin-path)/ConversionFuzz

corpus=$build/corpus
crashes=$build/crashes
mkdir -p "$corpus" "$crashes"
log "seeding the corpus with the differential test's crafted layers"
python3 - "$corpus" <<'PY'
import hashlib, os, sys
sys.path.insert(0, "scripts/differential")
from cases import CASES
for case in CASES:
    data = b"PCOCCLAYER".join(case["layers"])
    if len(data) <= 64 * 1024:
        with open(os.path.join(sys.argv[1], hashlib.sha1(data).hexdigest()), "wb") as seed:
            seed.write(data)
PY
dictionary=$build/tar.dict
printf '%s\n' '"PCOCCLAYER"' '"ustar\x00"' '"ustar  \x00"' '"00"' '"path="' '"linkpath="' '"size="' '"uid="' \
    '"mtime="' '"SCHILY.xattr.user."' '"SCHILY.xattr.trusted.overlay.opaque"' '"GNU.sparse.map="' \
    '"GNU.sparse.major="' '"GNU.sparse.minor="' '"GNU.sparse.name="' '"GNU.sparse.realsize="' '"GNU.sparse.numblocks="' \
    '".wh."' '".wh..wh..opq"' '"system.posix_acl_access="' '"././@LongLink"' > "$dictionary"

log "running for ${seconds}s"
started=$(date +%s)
status=0
"$binary" "$corpus" -dict="$dictionary" -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
    -artifact_prefix="$crashes/" -print_final_stats=1 2>&1 | tail -25 || status=$?
log "ran $(( $(date +%s) - started ))s; corpus $(ls "$corpus" | wc -l) inputs; crashes: $(ls "$crashes" | wc -l)"
exit "$status"
