#!/usr/bin/env bash
# The README's second command and CI's: set up this machine (packages, build, guest image, Slurm
# cluster, test user), then run every test: unit tests and the system tests against the real
# cluster, libvirt/QEMU with the guest image, docker CLI, skopeo and squashfs tools.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
started=$(date +%s)
# Debug: the build `swift test` needs anyway, installed too (one compilation of every module, not two).
eval "$(PCOCC_BUILD_CONFIGURATION=${PCOCC_BUILD_CONFIGURATION:-debug} bash scripts/setup.sh)"
echo "test: set-up took $(($(date +%s) - started)) s" >&2
# The tests that are not about the network run isolated; NetworkTests and the storage tests (a pull from a registry
# on the node) ask for nat in their own user files. The site file keeps every other setting of etc/pcocc-docker.yaml.
sed -i 's/^  mode: nat$/  mode: none/' "$PCOCC_DOCKER_SITE_CONFIG"
grep -q '^  mode: none$' "$PCOCC_DOCKER_SITE_CONFIG" || { echo "test: could not set network.mode none in $PCOCC_DOCKER_SITE_CONFIG" >&2; exit 1; }
export PCOCC_SYSTEM_TESTS=required
status=0
# A bound below CI's 90 minutes for the whole run: a stuck test still ends with its output and the cluster stopped.
remaining=$(( ${PCOCC_TEST_BUDGET:-5100} - ($(date +%s) - started) ))
timeout --kill-after=30 "$remaining" swift test 2>&1 | tee /tmp/pcocc-docker-test.log || status=$?
echo "test: everything took $(($(date +%s) - started)) s" >&2
bash scripts/slurm-cluster.sh stop >&2 || true
exit "$status"
