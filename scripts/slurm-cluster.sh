#!/usr/bin/env bash
# A private Slurm cluster on this machine, for the tests and the README walkthrough.
#
#   scripts/slurm-cluster.sh start [--nodes N]   start munged (if needed), slurmctld, N slurmd (default 1); prints env
#   scripts/slurm-cluster.sh stop                cancel all jobs, shut the daemons down, remove the namespaces
#   scripts/slurm-cluster.sh status              daemons, sinfo, squeue; exit 1 when not running
#   scripts/slurm-cluster.sh env                 prints `export SLURM_CONF=...` (for eval)
#   scripts/slurm-cluster.sh exec HOST CMD...    runs CMD in HOST's namespaces (login, node1.. of a multi-node cluster)
#
# Config, state, spool, logs and pid files live in $PCOCC_SLURM_DIR (default /var/tmp/pcocc-slurm), so the
# cluster never touches /etc/slurm. $PCOCC_SLURM_PORT (default 6817) is slurmctld's port; slurmd uses the next one.
#
# One node (the default): node1 is this host itself (NodeAddr 127.0.0.1).
# N > 1 nodes: a real cluster's network on one machine. Each slurmd runs in its own network and UTS
# namespaces, with its own address and hostname; a separate login namespace is where clients run, so
# srun/salloc callbacks, NodeAddr endpoints and certificates are exercised as across machines. slurmctld
# stays in the root namespace, reached at the bridge's address by every host (this host included).
# Names, addresses and the /etc/hosts lines derive from the port (see scripts/slurm-netns.sh), so several
# clusters run side by side; $PCOCC_SLURM_DIR/hosts lists each host as NAME HOSTNAME ADDRESS NETNS UTS.
# Enter a host with `scripts/slurm-cluster.sh exec login runuser -u USER -- salloc ...` or nsenter itself.
# Nodes report a failure after SlurmdTimeout ($PCOCC_SLURMD_TIMEOUT: 30 s with one node, 10 s with more).
#
# Needs root: slurmd must switch to the job owner's uid. start and stop are idempotent: start on a
# running cluster restarts any slurmd that died (a test's node failure) and changes nothing else.
# Progress goes to stderr; only the `export` line goes to stdout, so `eval "$(... start)"` works.
set -euo pipefail

dir=${PCOCC_SLURM_DIR:-/var/tmp/pcocc-slurm}
conf=$dir/slurm.conf
ctld_port=${PCOCC_SLURM_PORT:-6817}
start_timeout=${PCOCC_SLURM_START_TIMEOUT:-30}
export SLURM_CONF=$conf

log() { echo "slurm-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=scripts/slurm-netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm-netns.sh"

# Nodes of the cluster as configured: a multi-node cluster has its topology file.
configured_nodes() {
  if [[ -s $net_topology ]]; then grep -c '^node' "$net_topology"; else echo 1; fi
}

# PID 1 on the build machines reaps zombies slowly, so a zombie counts as exited.
alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}

pid_of() { [[ -s $1 ]] && cat "$1"; }

# Every daemon this cluster owns, one "name pid" per line (pid empty when its file is missing).
daemons() {
  echo "slurmctld $(pid_of "$dir/run/slurmctld.pid" || true)"
  local f
  for f in "$dir"/run/slurmd-*.pid; do
    [[ -e $f ]] || continue
    local name=${f##*/slurmd-}
    echo "slurmd(${name%.pid}) $(pid_of "$f" || true)"
  done
}

running() {
  local pid
  pid=$(pid_of "$dir/run/slurmctld.pid") || return 1
  alive "$pid"
}

print_env() { echo "export SLURM_CONF=$conf"; }

tail_logs() {
  local f
  for f in "$dir"/log/*.log; do
    [[ -e $f ]] || continue
    echo "--- tail of $f" >&2
    tail -n 15 "$f" >&2
  done
}

start_munge() {
  if [[ ! -s /etc/munge/munge.key ]]; then
    log "creating /etc/munge/munge.key"
    install -d -o munge -g munge -m 0700 /etc/munge
    if command -v mungekey >/dev/null; then
      runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key
    else
      (umask 077; dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none)
      chown munge:munge /etc/munge/munge.key
    fi
  fi
  # A working munged answers munge/unmunge; a pid check alone misses one started by someone else.
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return; fi
  log "starting munged"
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  local i
  for i in $(seq 50); do
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && return
    sleep 0.1
  done
  die "munged did not start (see /var/log/munge/munged.log)"
}

write_conf() {
  local nodes=$1 cpus mem_mb
  cpus=$(nproc)
  # Leave room for the host; slurmd drains a node that reports less memory than configured.
  mem_mb=$(awk '/^MemTotal:/ { m = int($2 / 1024) - 512; print (m < 256 ? 256 : m) }' /proc/meminfo)
  local node_lines ctld_host=localhost slurmd_timeout i
  if [[ $nodes -eq 1 ]]; then
    node_lines="NodeName=node1 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((ctld_port + 1)) CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN"
    slurmd_timeout=${PCOCC_SLURMD_TIMEOUT:-30}
  else
    # slurmctld accepts "localhost" as its own name whatever the hostname; clients use the address.
    ctld_host="localhost($(net_address ctl))"
    node_lines=$(for i in $(seq "$nodes"); do
      echo "NodeName=node$i NodeHostname=$(net_hostname "node$i") NodeAddr=$(net_address "node$i")" \
        "Port=$((ctld_port + 1)) CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN"
    done)
    # The node-failure tests wait for slurmctld to notice a dead slurmd.
    slurmd_timeout=${PCOCC_SLURMD_TIMEOUT:-10}
  fi
  # Job ids continue across restarts (slurmctld -i forgets them), so a new job never meets the
  # leftover per-job state (~/.pcocc/job_<ID>) of an earlier one. They start no lower than PORT*1000+1
  # (below Slurm's MaxJobId for any port): clusters side by side share /tmp and the test user's home,
  # where job ids name files (/tmp/slurm-<ID>.out, ~/.pcocc/job_<ID>).
  local first_job_id=$((ctld_port * 1000 + 1)) saved
  saved=$(cat "$dir/next-job-id" 2>/dev/null || true)
  [[ $saved =~ ^[0-9]+$ ]] && ((saved > first_job_id)) && first_job_id=$saved
  local tmp=$conf.tmp
  cat >"$tmp" <<EOF
# Written by scripts/slurm-cluster.sh; rewritten on every start of a stopped cluster.
ClusterName=pcocc
SlurmctldHost=$ctld_host
SlurmctldPort=$ctld_port
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((mem_mb / cpus))
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
FirstJobId=$first_job_id
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
# Without it an impossible request pends forever instead of failing at submission.
EnforcePartLimits=ALL
ReturnToService=2
# Short waits keep scancel and the stop below quick.
KillWait=5
MinJobAge=30
SlurmdTimeout=$slurmd_timeout
InactiveLimit=0
$node_lines
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  chmod 0644 "$tmp"
  mv "$tmp" "$conf"
}

wait_idle() {
  local nodes=$1 deadline=$((SECONDS + start_timeout)) states
  while ((SECONDS < deadline)); do
    states=$(sinfo -h -N -o %T 2>/dev/null || true)
    if [[ $(grep -cx idle <<<"$states") -eq $nodes ]]; then return; fi
    sleep 0.1
  done
  log "error: nodes not idle after ${start_timeout}s (sinfo: $(tr '\n' ' ' <<<"${states:-no answer}"))"
  tail_logs
  exit 1
}

# Starts node i's slurmd: in its own namespaces when the cluster has several nodes.
start_slurmd() {
  local nodes=$1 name=node$2
  install -d -m 0755 "$dir/spool/$name"
  if [[ $nodes -eq 1 ]]; then
    slurmd -f "$conf" -N "$name"
  else
    net_exec "$name" slurmd -f "$conf" -N "$name"
  fi || { tail_logs; die "slurmd for $name failed to start"; }
}

# Waits until slurmctld hears from each node named (down or not responding nodes carry a "*").
wait_responding() {
  local deadline=$((SECONDS + start_timeout)) states
  while ((SECONDS < deadline)); do
    states=$(sinfo -h -N -n "$(tr ' ' ',' <<<"$*")" -o %T 2>/dev/null || true)
    [[ -n $states ]] && ! grep -qE '\*|^(down|unknown)' <<<"$states" && return
    sleep 0.2
  done
  log "error: $* not responding after ${start_timeout}s (sinfo: $(tr '\n' ' ' <<<"${states:-no answer}"))"
  tail_logs
  exit 1
}

# A running cluster: restart the slurmd that are gone (a test's node failure), nothing else.
# Slurm then ends what the failed node's jobs left running there.
restart_missing_slurmd() {
  local nodes i pid restarted=()
  nodes=$(configured_nodes)
  for i in $(seq "$nodes"); do
    pid=$(pid_of "$dir/run/slurmd-node$i.pid" || true)
    [[ -n $pid ]] && alive "$pid" && continue
    log "restarting the slurmd of node$i"
    start_slurmd "$nodes" "$i"
    restarted+=("node$i")
  done
  [[ ${#restarted[@]} -eq 0 ]] || wait_responding "${restarted[@]}"
}

cmd_start() {
  local nodes=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --nodes) nodes=${2:?--nodes needs a number}; shift 2 ;;
      --nodes=*) nodes=${1#*=}; shift ;;
      *) die "unknown option '$1' (usage: start [--nodes N])" ;;
    esac
  done
  [[ -z $nodes || $nodes =~ ^[1-9][0-9]*$ ]] || die "--nodes must be a positive number, not '$nodes'"
  ((${nodes:-1} <= 200)) || die "--nodes is at most 200 (one /24 subnet), not $nodes"
  [[ $EUID -eq 0 ]] || die "must run as root (slurmd switches to each job's user)"
  if running; then
    local current
    current=$(configured_nodes)
    [[ -z $nodes || $nodes -eq $current ]] ||
      die "already running with $current node(s) ($conf): stop it before starting $nodes"
    restart_missing_slurmd
    log "already running ($conf)"
    print_env
    return
  fi
  nodes=${nodes:-1}
  start_munge
  # Leftovers from an unclean stop would confuse the pid checks and the node states.
  rm -rf "$dir/state" "$dir/spool" "$dir/run"
  install -d -m 0755 "$dir" "$dir/log" "$dir/run"
  # The spool must be traversable: slurmstepd execs the batch script there as the job user.
  install -d -m 0700 "$dir/state"
  install -d -m 0755 "$dir/spool"
  if [[ $nodes -gt 1 ]]; then net_up "$nodes"; else net_down; fi
  write_conf "$nodes"
  log "starting slurmctld and $nodes slurmd in $dir"
  slurmctld -f "$conf" -i || { tail_logs; die "slurmctld failed to start"; }
  local i
  for i in $(seq "$nodes"); do start_slurmd "$nodes" "$i"; done
  wait_idle "$nodes"
  log "ready: $(sinfo -h -o '%P %D %T %N' | tr '\n' ' ')"
  print_env
}

cmd_stop() {
  if ! running && [[ -z $(daemons | awk 'NF == 2' | while read -r _ pid; do alive "$pid" && echo "$pid"; done) ]]; then
    net_down
    log "not running"
    return
  fi
  if running; then
    # A dead slurmd would keep its node's jobs completing until the timeout below.
    restart_missing_slurmd
    local jobs
    jobs=$(squeue -h -o %A 2>/dev/null || true)
    if [[ -n $jobs ]]; then
      log "cancelling $(wc -w <<<"$jobs") job(s)"
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      # Shutting down right after scancel makes slurmd hang ~9 s; wait for the queue to drain (KillWait=5).
      local deadline=$((SECONDS + 20))
      while ((SECONDS < deadline)) && [[ -n $(squeue -h -o %A 2>/dev/null) ]]; do sleep 0.2; done
      [[ -z $(squeue -h -o %A 2>/dev/null) ]] || log "jobs still listed after 20 s; shutting down anyway"
    fi
    scontrol show config 2>/dev/null | awk '$1 == "NEXT_JOB_ID" { print $3 }' >"$dir/next-job-id.tmp" &&
      [[ -s $dir/next-job-id.tmp ]] && mv "$dir/next-job-id.tmp" "$dir/next-job-id"
    scontrol shutdown >/dev/null 2>&1 || log "scontrol shutdown failed; killing the daemons"
  fi
  local name pid deadline=$((SECONDS + 15)) left
  while :; do
    left=""
    while read -r name pid; do
      [[ -n $pid ]] && alive "$pid" && left+="$name($pid) "
    done < <(daemons)
    [[ -z $left ]] && break
    if ((SECONDS >= deadline)); then
      log "killing leftovers: $left"
      while read -r name pid; do
        [[ -n $pid ]] && alive "$pid" && kill -KILL "$pid" 2>/dev/null
      done < <(daemons)
      break
    fi
    sleep 0.1
  done
  rm -f "$dir"/run/*.pid
  net_down
  log "stopped"
}

cmd_status() {
  local name pid rc=0
  while read -r name pid; do
    if [[ -n $pid ]] && alive "$pid"; then echo "$name: running (pid $pid)"; else echo "$name: stopped"; rc=1; fi
  done < <(daemons)
  if running; then
    echo "SLURM_CONF=$conf"
    [[ ! -s $net_topology ]] || { echo "hosts (name hostname address netns uts):"; cat "$net_topology"; }
    sinfo
    squeue
  fi
  return $rc
}

cmd_exec() {
  [[ $# -ge 2 ]] || die "usage: exec HOST COMMAND... (HOST: login, node1...)"
  local host=$1
  shift
  SLURM_CONF=$conf net_exec "$host" "$@"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) print_env ;;
  exec) shift; cmd_exec "$@" ;;
  *) echo "usage: $0 start [--nodes N] | stop | status | env | exec HOST COMMAND..." >&2; exit 2 ;;
esac
