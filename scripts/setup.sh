#!/usr/bin/env bash
# Prepares this Debian 12 machine for pcocc-docker: packages, the build, the guest image (cached by
# recipe hash under /var/cache/pcocc-docker), the site configuration, a local Slurm cluster and an
# ordinary user to run jobs as. Idempotent; needs root. Prints `export ...` lines on stdout for eval.
#
#   eval "$(scripts/setup.sh)"
#
# Several checkouts can be set up side by side on one machine (development): PCOCC_PREFIX (default
# /usr/local) is where the programs and man page go, PCOCC_DOCKER_SITE_CONFIG (default
# /etc/pcocc-docker/pcocc-docker.yaml) the site settings written, PCOCC_SYSTEM_CONF_DIR (default /etc/pcocc) where
# pcocc's containers.yaml goes, PCOCC_SLURM_DIR / PCOCC_SLURM_PORT the cluster (scripts/slurm-cluster.sh) and
# PCOCC_TEST_USER the user jobs run as, PCOCC_BUILD_CONFIGURATION the build installed (release, or debug).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { echo "setup: $*" >&2; }

log "installing Debian packages"
bash scripts/install-deps.sh >&2

# Release by default: start-up time matters for 'eval $(pcocc-docker env)'. scripts/test.sh asks for debug, the
# configuration `swift test` builds anyway, so CI compiles every module once instead of twice.
configuration=${PCOCC_BUILD_CONFIGURATION:-release}
log "building pcocc-docker ($configuration)"
prefix=${PCOCC_PREFIX:-/usr/local}
# A release build carries the Swift runtime and Foundation inside (--static-swift-stdlib): binding their symbols at
# each start was a quarter of what `env` took.
link=()
[[ $configuration == release ]] && link=(--static-swift-stdlib)
swift build -c "$configuration" "${link[@]}" --product pcocc-docker >&2
swift build -c "$configuration" "${link[@]}" --product pcocc-docker-node >&2
install -D -m 0755 ".build/$configuration/pcocc-docker" "$prefix/bin/pcocc-docker"
install -D -m 0755 ".build/$configuration/pcocc-docker-node" "$prefix/libexec/pcocc-docker/pcocc-docker-node"
install -d "$prefix/share/man/man1"
rst2man man/pcocc-docker.rst > "$prefix/share/man/man1/pcocc-docker.1"
install -d "$prefix/share/man/man5"
rst2man man/pcocc-docker.yaml.rst > "$prefix/share/man/man5/pcocc-docker.yaml.5"
# Completions where bash-completion, zsh and fish look under the prefix.
install -d "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
  "$prefix/share/fish/vendor_completions.d"
"$prefix/bin/pcocc-docker" --generate-completion-script bash > "$prefix/share/bash-completion/completions/pcocc-docker"
"$prefix/bin/pcocc-docker" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_pcocc-docker"
"$prefix/bin/pcocc-docker" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/pcocc-docker.fish"

log "building (or finding) the guest image"
image=$(bash scripts/build-guest-image.sh)
log "guest image: $image"

# The site configuration: the repository's documented files, the settings pointing at the image just built.
site_config=${PCOCC_DOCKER_SITE_CONFIG:-/etc/pcocc-docker/pcocc-docker.yaml}
install -d -m 0755 "$(dirname "$site_config")"
sed "s|^\(\s*image_dir:\).*|\1 \"$image\"|" etc/pcocc-docker.yaml > "$site_config.tmp"
chmod 0644 "$site_config.tmp"
mv "$site_config.tmp" "$site_config"
pcocc_conf_dir=${PCOCC_SYSTEM_CONF_DIR:-/etc/pcocc}
install -d -m 0755 "$pcocc_conf_dir"
install -m 0644 etc/containers.yaml "$pcocc_conf_dir/containers.yaml"

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
echo "export PCOCC_DOCKER_NODE_BIN='$prefix/libexec/pcocc-docker/pcocc-docker-node'"
echo "export PCOCC_DOCKER_SITE_CONFIG='$site_config'"
echo "export PCOCC_SYSTEM_CONF_DIR='$pcocc_conf_dir'"
