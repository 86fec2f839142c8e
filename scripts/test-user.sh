#!/usr/bin/env bash
# Creates (once) the ordinary user the system tests run jobs as, and prints its name.
# Slurm, libvirt's session mode and the per-job state dir all behave differently for root,
# so the tests must exercise an unprivileged account with a real home directory.
set -euo pipefail
user=${PCOCC_TEST_USER:-pcoccci}
if ! id -u "$user" >/dev/null 2>&1; then
  [[ $EUID -eq 0 ]] || { echo "test-user: must run as root to create user '$user'" >&2; exit 1; }
  useradd -m -s /bin/bash "$user"
  echo "test-user: created user '$user'" >&2
fi
echo "$user"
