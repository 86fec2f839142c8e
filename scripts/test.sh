#!/usr/bin/env bash
# The README's second command and CI's: set up this machine (packages, build, guest image, Slurm
# cluster, test user), then run every test: unit tests and the system tests against the real
# cluster, libvirt/QEMU with the guest image, docker CLI, skopeo and squashfs tools.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
eval "$(bash scripts/setup.sh)"
export PCOCC_SYSTEM_TESTS=required
status=0
swift test 2>&1 | tee /tmp/pcocc-docker-test.log || status=$?
bash scripts/slurm-cluster.sh stop >&2 || true
exit "$status"
