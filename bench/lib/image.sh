# bench/convert's image, shared by bench/convert and bench/transfer: 4 gzip layers made from this machine's /usr,
# with whiteouts and an opaque directory, generated once into $LAYOUT (an OCI layout, ref "bench") under $BENCH_DIR.
# Sourced; needs ROOT and BENCH_DIR set, and pigz, tar and python3.
# Sourced from a shell without `set -u`, an unset BENCH_DIR once made the scratch directory "/work" and the clean-up
# below removed it: both paths are refused unless BENCH_DIR names a directory of its own.
[[ ${BENCH_DIR:-} == /?* && ${BENCH_DIR%/} != / ]] || { echo "bench/lib/image.sh: BENCH_DIR must be set (absolute)" >&2; return 1; }
IMAGE_VERSION=2  # bump when the generated image changes
LAYOUT=$BENCH_DIR/layout-v$IMAGE_VERSION
IMAGE_SCRATCH=$BENCH_DIR/image-scratch
mkdir -p "$BENCH_DIR"

# --- the image ----------------------------------------------------------------------------------------------------
make_layer() {  # make_layer OUT ARGS...: a deterministic gzip tar layer of ARGS (tar's own arguments)
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 --format=pax \
        --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf - "${@:2}" | pigz -n -6 > "$1"
}

if [[ ! -f $LAYOUT/index.json ]]; then
    echo "generating the benchmark image in $LAYOUT (once) ..." >&2
    started=$(date +%s)
    rm -rf "$LAYOUT.tmp" "$IMAGE_SCRATCH" && mkdir -p "$LAYOUT.tmp/blobs/sha256" "$IMAGE_SCRATCH/stage3" "$IMAGE_SCRATCH/stage4"
    present() { for d in "$@"; do [[ -e /$d ]] && echo "$d"; done; }
    # Layer 1: headers, python, zoneinfo, locales, perl; layer 2: man pages (many small files).
    make_layer "$IMAGE_SCRATCH/1" -C / $(present usr/include usr/lib/python3.11 usr/share/zoneinfo usr/share/i18n usr/share/perl)
    make_layer "$IMAGE_SCRATCH/2" -C / $(present usr/share/man)
    # Layer 3: delete a whole tree, make a directory opaque, re-create a file in it, add vim's runtime.
    mkdir -p "$IMAGE_SCRATCH/stage3/usr/share" "$IMAGE_SCRATCH/stage3/usr/include/linux"
    touch "$IMAGE_SCRATCH/stage3/usr/share/.wh.perl" "$IMAGE_SCRATCH/stage3/usr/include/linux/.wh..wh..opq"
    echo "re-created" > "$IMAGE_SCRATCH/stage3/usr/include/linux/types.h"
    make_layer "$IMAGE_SCRATCH/3" -C "$IMAGE_SCRATCH/stage3" usr -C / $(present usr/share/vim)
    # Layer 4: replace files of layer 1, delete some man pages, add python's dist-packages.
    mkdir -p "$IMAGE_SCRATCH/stage4/usr/include" "$IMAGE_SCRATCH/stage4/usr/share/man/man1"
    echo "replaced" > "$IMAGE_SCRATCH/stage4/usr/include/stdio.h"
    for page in ls.1.gz cp.1.gz mv.1.gz tar.1.gz; do touch "$IMAGE_SCRATCH/stage4/usr/share/man/man1/.wh.$page"; done
    make_layer "$IMAGE_SCRATCH/4" -C "$IMAGE_SCRATCH/stage4" usr -C / $(present usr/lib/python3)
    python3 - "$IMAGE_SCRATCH" "$LAYOUT.tmp" <<'PY'
import hashlib, json, os, shutil, subprocess, sys
work, layout = sys.argv[1], sys.argv[2]
def put(path=None, data=None):
    if data is None:
        with open(path, "rb") as f:
            data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}
layers, diff_ids = [], []
for n in "1234":
    raw = subprocess.run(["pigz", "-dc", os.path.join(work, n)], stdout=subprocess.PIPE, check=True).stdout
    diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **put(os.path.join(work, n))})
config = put(data=json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                              "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode())
manifest = put(data=json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
                                "layers": layers}).encode())
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
               **manifest, "annotations": {"org.opencontainers.image.ref.name": "bench"}}]}, f)
with open(os.path.join(layout, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
PY
    rm -rf "$IMAGE_SCRATCH" "$LAYOUT" && mv "$LAYOUT.tmp" "$LAYOUT"
    echo "generated in $(( $(date +%s) - started )) s" >&2
fi
