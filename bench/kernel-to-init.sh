#!/usr/bin/env bash
# Boots the guest image with plain QEMU (TCG, q35, 2 vCPUs, 2 GiB, the devices of docs/CONTRACTS.md)
# and measures, from QEMU's start:
#   init   - "pcocc-init: started" on the console (firmware + kernel + initrd: the floor)
#   exec   - "pcocc-init: dockerd exec" (the init's own work done)
#   ready  - first successful mutual-TLS GET /_ping answered by dockerd through the slirp forward
#   and QEMU's CPU time up to ready (steadier than wall-clock times on a busy machine)
# Prints each run and the medians.
#
#   bench/kernel-to-init.sh [--runs N] [--image DIR] [--network nat|none|both] [--config LINE]...
#                           [--check] [--keep] [--qemu-arg ARG]... [--append ARGS]
#
# --network the guest's network (default nat): nat = slirp open and network=nat in the guest config,
#           none = slirp restrict=on and network=none; both = alternate them run by run (RUNS each) and
#           print the medians of each side by side
# --config  an extra line of the guest config (opt/pcocc/config), e.g. iptables=true (repeatable)
# --check   after the first boot (of each network), also runs the functional checks: docker version,
#           load a busybox image with skopeo, docker run, a 9p share seen from a container, and
#           bench/guest-checks.sh (NAT, published ports, registry, mirror, proxy, DNS, AppArmor)
#           with its loopback services (exit status 1 on failure)
# --image   image directory (default: the output of scripts/build-guest-image.sh, built if needed)
# --append  extra kernel arguments; --qemu-arg adds a QEMU argument (repeatable)
# --until init  stop each boot at "pcocc-init: started" (measures the kernel floor only)
# --disk-cache MODE  QEMU cache= of both disks (default writeback, as libvirt's default; unsafe ignores guest flushes)
# --preformat  format the data disk on the host (mkfs.ext4 on a sparse raw file, then qcow2)
#           instead of handing the guest a blank disk
# --keep    keep the work directory (certs, console logs)
# Needs root only to build the image; QEMU runs as the caller. Leaves no QEMU behind.
set -euo pipefail

runs=3 image="" check=0 keep=0 until=ready dcache=writeback preformat=0 extra_append="" qemu_extra=()
networks=(nat) config_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --check) check=1; shift ;;
    --keep) keep=1; shift ;;
    --until) until=$2; shift 2 ;; # init | ready
    --disk-cache) dcache=$2; shift 2 ;;
    --preformat) preformat=1; shift ;;
    --append) extra_append=$2; shift 2 ;;
    --qemu-arg) qemu_extra+=("$2"); shift 2 ;;
    --network) case "$2" in nat|none) networks=("$2") ;; both) networks=(nat none) ;; *) echo "--network: nat, none or both" >&2; exit 2 ;; esac; shift 2 ;;
    --config) config_extra+=("$2"); shift 2 ;;
    *) echo "usage: $0 [--runs N] [--image DIR] [--network nat|none|both] [--config LINE]... [--check] [--keep] [--qemu-arg ARG]... [--append ARGS]" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ -n "$image" ] || image=$("$root/scripts/build-guest-image.sh")
image=$(cd "$image" && pwd -P)
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$image/image.json" "$1"; }
cmdline=$(jget cmdline) kernel=$image/$(jget kernel) initrd=$image/$(jget initrd) disk=$image/$(jget disk)
[ -z "$extra_append" ] || cmdline="$cmdline $extra_append"

work=$(mktemp -d /tmp/pcocc-k2i.XXXXXX)
qpid=""
# shellcheck source=bench/guest-checks.sh
. "$root/bench/guest-checks.sh"
cleanup() {
  local rc=$?
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null || true; fi
  checks_stop
  if [ "$keep" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
elapsed() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$2"; }

# --- certificates: ECDSA P-256 CA, server (127.0.0.1/localhost, serverAuth), client (clientAuth)
certs=$work/certs client=$work/client
mkdir -p "$certs" "$client"
(
  cd "$certs"
  openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
  openssl req -x509 -new -key ca-key.pem -sha256 -days 2 -subj /CN=pcocc-test-ca -out ca.pem
  openssl ecparam -name prime256v1 -genkey -noout -out server-key.pem
  openssl req -new -key server-key.pem -subj /CN=localhost -out server.csr
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -sha256 -extfile server.ext -out server-cert.pem
  openssl ecparam -name prime256v1 -genkey -noout -out client-key.pem
  openssl req -new -key client-key.pem -subj /CN=client -out client.csr
  printf 'extendedKeyUsage=clientAuth\n' >client.ext
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -sha256 -extfile client.ext -out client-cert.pem
) >/dev/null 2>&1
cp "$certs/ca.pem" "$client/ca.pem"
cp "$certs/client-cert.pem" "$client/cert.pem"
install -m 600 "$certs/client-key.pem" "$client/key.pem"

share=$work/share
mkdir -p "$share"
echo "hello from the host" >"$share/file"
write_config() { # $1 = nat | none, then extra lines: fw_cfg opt/pcocc/config, the daemon's settings
  local network=$1
  shift
  { printf 'iptables=false\nnetwork=%s\n' "$network"
    [ "$#" = 0 ] || printf '%s\n' "$@"
    [ "${#config_extra[@]}" = 0 ] || printf '%s\n' "${config_extra[@]}"; } >"$work/config"
}

write_job_disk() { # $1 = disk file: the job's record, read by the init once dockerd answers (CONTRACTS.md, "Job disk")
  local body=$work/job.body f
  { printf 'time=%s\nentropy=%s\nhostname=k2i-test\nmount=pcoccfs0:%s\n' "$(date +%s.%N)" \
      "$(od -An -tx1 -N64 /dev/urandom | tr -d ' \n')" "$share"
    for f in ca.pem:ca.pem server-cert.pem:cert.pem server-key.pem:key.pem; do
      printf 'file %s %s\n' "${f#*:}" "$(stat -c %s "$certs/${f%%:*}")"
      cat "$certs/${f%%:*}"
      printf '\n'
    done; } >"$body"
  rm -f "$1"
  truncate -s 1M "$1"
  dd if="$body" of="$1" bs=512 seek=1 conv=notrunc status=none
  printf 'pcocc-job 1 %s %s\n' "$(stat -c %s "$body")" "$(cksum <"$body" | cut -d' ' -f1)" | dd of="$1" conv=notrunc status=none
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ping_ok() {
  curl -s -m 2 --cacert "$client/ca.pem" --cert "$client/cert.pem" --key "$client/key.pem" \
    "https://127.0.0.1:$port/_ping" 2>/dev/null | grep -qx OK
}

# QEMU's user+system CPU time: what the guest's work costs under TCG, whatever else the machine runs
# (wall-clock times stretch on a busy machine, this does much less).
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

boot() { # $1 = run label, $2 = nat | none; sets t_init t_exec t_ready; leaves QEMU running
  local n=$1 console=$work/console.$1.log restrict=""
  [ "$2" = nat ] || restrict=restrict=on,
  port=$(free_port)
  rm -f "$work/overlay.qcow2" "$work/data.qcow2"
  qemu-img create -q -f qcow2 -F qcow2 -b "$disk" "$work/overlay.qcow2"
  if [ "$preformat" = 1 ]; then
    rm -f "$work/data.raw"; truncate -s 20G "$work/data.raw"
    mkfs.ext4 -q -F -m 0 -L pcocc-docker -O ^has_journal,^resize_inode -E nodiscard,lazy_itable_init=1 "$work/data.raw"
    qemu-img convert -f raw -O qcow2 "$work/data.raw" "$work/data.qcow2"; rm -f "$work/data.raw"
  else
    qemu-img create -q -f qcow2 "$work/data.qcow2" 20G
  fi
  write_job_disk "$work/job.raw"
  local t0
  t0=$(now)
  qemu-system-x86_64 -accel tcg -machine q35 -smp 2 -m 2048 -nodefaults -display none -no-user-config \
    -kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
    -drive "file=$work/overlay.qcow2,if=virtio,format=qcow2,cache=$dcache" \
    -drive "file=$work/data.qcow2,if=virtio,format=qcow2,cache=$dcache" \
    -netdev "user,id=n0,net=10.0.2.0/24,${restrict}hostfwd=tcp:127.0.0.1:$port-:2376" -device virtio-net-pci,netdev=n0 \
    -drive "file=$work/job.raw,if=virtio,format=raw,readonly=on" \
    -fw_cfg "name=opt/pcocc/config,file=$work/config" \
    -virtfs "local,path=$share,mount_tag=pcoccfs0,security_model=none" \
    -serial "file:$console" -no-reboot "${qemu_extra[@]}" &
  qpid=$!
  t_init="" t_exec="" t_ready="" c_ready=""
  local deadline
  deadline=$(python3 -c "print(int($t0) + 180)")
  while [ -z "$t_ready" ]; do
    kill -0 "$qpid" 2>/dev/null || { cat "$console" >&2; echo "QEMU exited" >&2; return 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { tail -n 30 "$console" >&2; echo "timed out" >&2; return 1; }
    if [ -z "$t_init" ]; then
      grep -q 'pcocc-init: started' "$console" 2>/dev/null && t_init=$(elapsed "$t0" "$(now)")
    fi
    if [ -z "$t_exec" ]; then
      grep -q 'pcocc-init: dockerd exec' "$console" 2>/dev/null && t_exec=$(elapsed "$t0" "$(now)")
    fi
    if [ "$until" = init ] && [ -n "$t_init" ]; then t_exec=${t_exec:-0} t_ready=0; break; fi
    if [ -n "$t_exec" ] && ping_ok; then t_ready=$(elapsed "$t0" "$(now)") c_ready=$(cpu_seconds "$qpid"); break; fi
    sleep 0.02
  done
  echo "run $n: init ${t_init}s  dockerd-exec ${t_exec}s  ready ${t_ready}s  (QEMU CPU to ready ${c_ready:-?}s)" >&2
}

stop_vm() {
  [ -n "$qpid" ] || return 0
  kill "$qpid" 2>/dev/null || true
  wait "$qpid" 2>/dev/null || true
  qpid=""
}

make_test_image() { # $work/oci:latest, a tiny busybox-static image (sh, wget, httpd and /www for the network checks)
  local oci=$work/oci rfs=$work/bundle
  [ -d "$oci" ] && return 0
  umoci init --layout "$oci" && umoci new --image "$oci:latest"
  umoci unpack --rootless --image "$oci:latest" "$rfs" >/dev/null
  mkdir -p "$rfs/rootfs/bin" "$rfs/rootfs/www"
  cp /bin/busybox "$rfs/rootfs/bin/busybox"
  for a in sh echo cat ls wget httpd sleep timeout; do ln -sf busybox "$rfs/rootfs/bin/$a"; done
  echo "served from a container" >"$rfs/rootfs/www/index.html"
  umoci repack --image "$oci:latest" "$rfs" >/dev/null
  umoci config --image "$oci:latest" --config.cmd sh --config.env PATH=/bin >/dev/null
}

checks() {
  local fail=0 out
  export DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$client
  echo "--- checks" >&2
  if docker version --format 'server {{.Server.Version}} api {{.Server.APIVersion}}' >&2; then :; else echo "FAIL docker version" >&2; fail=1; fi
  make_test_image
  local t
  t=$(now)
  # Not skopeo's docker-daemon: transport: it speaks API 1.22, which dockerd refuses since 26.0 (>= 1.24).
  rm -f "$work/bb.tar"
  skopeo copy -q "oci:$work/oci:latest" "docker-archive:$work/bb.tar:bb:latest" >&2 && docker load -q -i "$work/bb.tar" >&2 ||
    { echo "FAIL loading the test image" >&2; fail=1; }
  echo "skopeo copy + docker load: $(elapsed "$t" "$(now)")s" >&2
  t=$(now)
  out=$(docker run --rm bb echo hi 2>&1) || true
  echo "docker run: $(elapsed "$t" "$(now)")s -> $out" >&2
  [ "$out" = hi ] || { echo "FAIL docker run" >&2; fail=1; }
  out=$(docker run --rm -v "$share:/x" bb cat /x/file 2>&1) || true
  echo "9p via container: $out" >&2
  [ "$out" = "hello from the host" ] || { echo "FAIL 9p share" >&2; fail=1; }
  out=$(docker run --rm -v "$share:/x" bb sh -c 'echo written >/x/back' 2>&1) || true
  [ "$(cat "$share/back" 2>/dev/null)" = written ] || { echo "FAIL write to 9p share ($out)" >&2; fail=1; }
  checks_run || fail=1
  unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH
  [ "$fail" = 0 ] && echo "checks: all passed" >&2
  return "$fail"
}

rc=0
declare -A inits execs readys cpus
for i in $(seq 1 "$runs"); do
  for net in "${networks[@]}"; do
    label=$i
    [ "${#networks[@]}" = 1 ] || label=$i-$net
    if [ "$i" = 1 ] && [ "$check" = 1 ]; then
      checks_stop
      checks_services "$work" "$net" >"$work/check-config" || { echo "the check services did not start" >&2; exit 1; }
      mapfile -t lines <"$work/check-config"
      write_config "$net" "${lines[@]}"
    else
      write_config "$net"
    fi
    boot "$label" "$net"
    inits[$net]+="$t_init " execs[$net]+="$t_exec " readys[$net]+="$t_ready " cpus[$net]+="${c_ready:-0} "
    if [ "$i" = 1 ]; then
      echo "--- console (run $label)" >&2
      grep -a -E 'pcocc-init|initrd|level=(error|warn)|Startup|API listen|Daemon has completed|containerd successfully' "$work/console.$label.log" | cut -c1-200 >&2 || true
      if [ "$check" = 1 ]; then checks || rc=1; fi
    fi
    stop_vm
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for net in "${networks[@]}"; do
  # shellcheck disable=SC2086
  echo "network $net, median of $runs: kernel-to-init $(median ${inits[$net]}) s, to-dockerd-exec $(median ${execs[$net]}) s, to-ready $(median ${readys[$net]}) s, QEMU CPU to ready $(median ${cpus[$net]}) s"
done
exit "$rc"
