#!/usr/bin/env bash
# Installs the Debian packages pcocc-docker needs to build, to run its local Slurm cluster,
# to build and boot its guest image, and to convert images. Idempotent; needs root.
set -euo pipefail
packages=(
  build-essential pkg-config
  libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
  qemu-system-x86 qemu-utils
  slurm-wlm slurmctld slurmd slurm-client libslurm-dev munge
  skopeo umoci squashfs-tools squashfs-tools-ng libsquashfs-dev
  debootstrap busybox-static e2fsprogs cpio pigz zstd
  openssl python3 python3-docutils tmux procps iproute2 curl libxml2-utils
  docker-registry
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
