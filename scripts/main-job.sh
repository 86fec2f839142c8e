#!/usr/bin/env bash
# The README's first command: set up this machine, then run the main job as an ordinary user:
# `pcocc-docker alloc` with a command that talks to the job's private dockerd.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
eval "$(bash "$root/scripts/setup.sh")"
cd /tmp
exec runuser -u "$PCOCC_TEST_USER" -- env SLURM_CONF="$SLURM_CONF" HOME="$(getent passwd "$PCOCC_TEST_USER" | cut -d: -f6)" \
  SHELL=/bin/bash PATH=/usr/local/bin:/usr/bin:/bin \
  pcocc-docker alloc -E 'docker version --format "client {{.Client.Version}} server {{.Server.Version}}" && docker info --format "{{.NCPU}} CPUs, {{.MemTotal}} bytes, storage {{.Driver}}"' \
  "$@"
