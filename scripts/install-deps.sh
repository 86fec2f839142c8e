#!/usr/bin/env bash
# Installs the Debian packages pcocc-docker needs to build, to run its local Slurm cluster,
# to build and boot its guest image, to convert images, and to run them as pcocc does (squashfuse, fuse3's
# fusermount, runc: the system tests replay pcocc's rootless runs); and a docker CLI (Debian's docker.io)
# when none is on PATH, without starting the dockerd that package brings. Idempotent; needs root.
set -euo pipefail
packages=(
  build-essential pkg-config
  libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
  qemu-system-x86 qemu-utils
  slurm-wlm slurmctld slurmd slurm-client libslurm-dev munge
  skopeo umoci squashfs-tools squashfs-tools-ng libsquashfs-dev zlib1g-dev libzstd-dev
  debootstrap busybox-static e2fsprogs cpio pigz zstd xz-utils
  openssl libssl-dev python3 python3-docutils tmux procps iproute2 util-linux curl libxml2-utils
  squashfuse fuse3 runc
  # A local registry for the network tests (its daemon is not started: the tests run their own).
  docker-registry
  # Shells whose `env` output and completions the tests check.
  zsh fish tcsh
)
export DEBIAN_FRONTEND=noninteractive
# Another set-up on the machine may hold the dpkg lock: wait for it rather than fail.
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
updated=0
install_packages() {
  ((updated)) || { apt_get update -qq; updated=1; }
  apt_get install -y -qq --no-install-recommends "$@" >/dev/null
}

# No service of these packages starts on this machine while they install (docker.io's dockerd, docker-registry,
# libvirtd...): the tests run their own daemons. policy-rc.d is honoured by invoke-rc.d and deb-systemd-invoke.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  trap 'rm -f "$policy"' EXIT
  printf '#!/bin/sh\n# pcocc-docker install-deps.sh: no service starts while its packages install\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing: ${missing[*]}" >&2
  install_packages "${missing[@]}"
fi

# The user's docker CLI talks to the VM's dockerd. A fresh Debian 12 has none; docker.io brings one,
# along with a dockerd and containerd whose services must not start on this machine (see policy-rc.d above);
# on a systemd machine they are then disabled, so neither boot nor docker.socket starts them later.
if ! command -v docker >/dev/null; then
  echo "Installing: docker.io (for its docker CLI; its daemons stay stopped)" >&2
  install_packages docker.io
  if [[ -d /run/systemd/system ]]; then
    systemctl disable --now docker.socket docker.service containerd.service >/dev/null 2>&1 || true
  fi
  command -v docker >/dev/null || { echo "install-deps: docker.io installed no docker command" >&2; exit 1; }
fi
