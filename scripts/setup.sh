#!/usr/bin/env bash
# Prepares this Debian 12 machine for pcocc-docker: packages, the build, the guest image (cached by
# recipe hash under /var/cache/pcocc-docker), the site configuration, a local Slurm cluster and an
# ordinary user to run jobs as. Idempotent; needs root. Prints `export ...` lines on stdout for eval.
#
#   eval "$(scripts/setup.sh)"
#
# Several checkouts can be set up side by side on one machine (development): PCOCC_PREFIX (default
# /usr/local) is where the binary and man page go, PCOCC_DOCKER_SITE_CONFIG (default
# /etc/pcocc-docker/containers.yaml) the site file written, PCOCC_SLURM_DIR / PCOCC_SLURM_PORT the cluster
# (scripts/slurm-cluster.sh) and PCOCC_TEST_USER the user jobs run as.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { echo "setup: $*" >&2; }

log "installing Debian packages"
bash scripts/install-deps.sh >&2

log "building pcocc-docker (release: start-up time matters for 'eval \$(pcocc-docker env)')"
prefix=${PCOCC_PREFIX:-/usr/local}
swift build -c release --product pcocc-docker >&2
install -D -m 0755 .build/release/pcocc-docker "$prefix/bin/pcocc-docker"
install -d "$prefix/share/man/man1"
rst2man man/pcocc-docker.rst > "$prefix/share/man/man1/pcocc-docker.1"

log "building (or finding) the guest image"
image=$(bash scripts/build-guest-image.sh)
log "guest image: $image"

# The site configuration: the repository's documented file, pointing at the image just built.
site_config=${PCOCC_DOCKER_SITE_CONFIG:-/etc/pcocc-docker/containers.yaml}
install -d -m 0755 "$(dirname "$site_config")"
sed "s|^\(\s*image_dir:\).*|\1 \"$image\"|" etc/containers.yaml > "$site_config.tmp"
chmod 0644 "$site_config.tmp"
mv "$site_config.tmp" "$site_config"

# pcocc mounts squashfs cache entries with squashfuse as the user (the system tests replay that): a site's fuse
# package makes /dev/fuse 0666 through its udev rule; this machine has no udev and leaves it 0600.
[[ -c /dev/fuse ]] && chmod 0666 /dev/fuse

log "starting the local Slurm cluster"
cluster_env=$(bash scripts/slurm-cluster.sh start)
eval "$cluster_env"

user=$(bash scripts/test-user.sh)
log "jobs run as the ordinary user '$user'"

echo "$cluster_env"
echo "export PCOCC_TEST_USER='$user'"
echo "export PCOCC_TEST_GUEST_IMAGE='$image'"
echo "export PCOCC_TEST_SLURM_CONF='$SLURM_CONF'"
echo "export PCOCC_DOCKER_BIN='$prefix/bin/pcocc-docker'"
echo "export PCOCC_DOCKER_SITE_CONFIG='$site_config'"
