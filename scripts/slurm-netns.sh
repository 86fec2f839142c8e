# shellcheck shell=bash
# The network of a multi-node test cluster, sourced by scripts/slurm-cluster.sh (not run on its own).
#
# Every host of the cluster (a login host and node1..nodeN) gets a network namespace with one veth on a
# bridge in the root namespace, its own address, and a UTS namespace with its own hostname. slurmctld
# stays in the root namespace and is reached at the bridge's address. Both namespaces of a host are
# kept as files (/run/netns/NS, and a UTS file bind mount), so any later command can enter them:
#   nsenter --net=/run/netns/NS --uts=UTS_FILE CMD
# (`ip netns exec` is not used: it remounts /sys, which hides /sys/fs/cgroup from slurmd and its jobs.)
#
# Names derive from the cluster's slurmctld port P, so clusters with different ports never clash:
#   namespaces pcsP-login, pcsP-node1..   bridge pcsPbr   veths pcsPv0 (login), pcsPv1..
#   subnet 10.(P/256).(P%256).0/24 (PCOCC_SLURM_SUBNET=A.B.C overrides): .1 slurmctld (the bridge),
#   .2 the login host, .(10+i) node i
#   hostnames pcsP-login, pcsP-node1.. in /etc/hosts, on lines ending "# pcocc-slurm pcsP"
# Needs: ctld_port, dir (the cluster directory), log, die.

net_tag=pcs$ctld_port
net_subnet=${PCOCC_SLURM_SUBNET:-10.$((ctld_port >> 8)).$((ctld_port & 255))}
net_bridge=${net_tag}br
net_uts_dir=/run/pcocc-slurm/$net_tag
net_hosts_marker="# pcocc-slurm $net_tag"
# One line per host: NAME HOSTNAME ADDRESS NETNS_FILE UTS_FILE (read by the system tests).
net_topology=$dir/hosts

net_address() { # NAME -> its address
  case $1 in
    ctl) echo "$net_subnet.1" ;;
    login) echo "$net_subnet.2" ;;
    node*) echo "$net_subnet.$((10 + ${1#node}))" ;;
  esac
}
net_hostname() { echo "$net_tag-$1"; }
net_namespace() { echo "$net_tag-$1"; }

# Runs a command in host NAME's network and UTS namespaces.
net_exec() {
  local name=$1
  shift
  [[ -e /run/netns/$(net_namespace "$name") && -e $net_uts_dir/$name ]] ||
    die "host '$name' has no namespaces (is the cluster started with --nodes N > 1? see $net_topology)"
  nsenter --net="/run/netns/$(net_namespace "$name")" --uts="$net_uts_dir/$name" "$@"
}

# Refuses a subnet some other interface already uses: the cluster would shadow or break it.
net_check_subnet() {
  local taken
  taken=$(ip -o -4 addr show | awk -v net="$net_subnet." -v br="$net_bridge" \
    '$2 != br && index($4, net) == 1 { print $2 }' | head -n 1)
  [[ $net_subnet =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
    die "PCOCC_SLURM_SUBNET must be three octets such as 10.99.1, not '$net_subnet'"
  [[ -z $taken ]] || die "subnet $net_subnet.0/24 is already used by interface $taken: set PCOCC_SLURM_SUBNET=A.B.C"
}

# Host NAME: namespaces, a veth (eth0 inside) on the bridge, address, hostname.
net_add_host() {
  local name=$1 veth=$2 namespace address uts
  namespace=$(net_namespace "$name")
  address=$(net_address "$name")
  uts=$net_uts_dir/$name
  ip netns add "$namespace"
  ip link add "$veth" type veth peer name eth0 netns "$namespace"
  ip link set "$veth" master "$net_bridge" up
  ip -n "$namespace" addr add "$address/24" dev eth0
  ip -n "$namespace" link set eth0 up
  ip -n "$namespace" link set lo up
  : >"$uts"
  unshare --uts="$uts" hostname "$(net_hostname "$name")"
  echo "$name $(net_hostname "$name") $address /run/netns/$namespace $uts" >>"$net_topology.tmp"
}

# Rewrites /etc/hosts without this cluster's lines, plus the lines given (may be empty). Other
# clusters edit it too, hence the lock; a bind-mounted /etc/hosts (containers) is rewritten in place.
net_edit_hosts() {
  local lines=$1
  (
    flock 9
    local tmp=/etc/.hosts.pcocc-slurm.$$
    grep -vF -- " $net_hosts_marker" /etc/hosts >"$tmp" || true
    [[ -z $lines ]] || printf '%s\n' "$lines" >>"$tmp"
    if mountpoint -q /etc/hosts; then
      cat "$tmp" >/etc/hosts
      rm -f "$tmp"
    else
      chmod 0644 "$tmp"
      mv "$tmp" /etc/hosts
    fi
  ) 9>/run/lock/pcocc-slurm-hosts.lock
}

# Bridged traffic crosses the root namespace's FORWARD chain when br_netfilter is loaded; a DROP
# policy there (Docker sets one) would cut the hosts off from each other.
net_forward_rule() { # add|delete
  command -v iptables >/dev/null || return 0
  local rule=(FORWARD -i "$net_bridge" -o "$net_bridge" -m comment --comment "$net_hosts_marker" -j ACCEPT)
  if [[ $1 == add ]]; then
    [[ $(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null) == 1 ]] || return 0
    [[ $(iptables -S FORWARD 2>/dev/null | head -n 1) != "-P FORWARD ACCEPT" ]] || return 0
    iptables -C "${rule[@]}" 2>/dev/null || iptables -I "${rule[@]}"
  else
    while iptables -C "${rule[@]}" 2>/dev/null; do iptables -D "${rule[@]}"; done
  fi
}

net_up() {
  local nodes=$1 i hosts_lines
  net_down quiet
  net_check_subnet
  log "network: bridge $net_bridge $net_subnet.1/24, login and $nodes node namespaces ($net_tag-*)"
  install -d -m 0755 "$net_uts_dir"
  ip link add "$net_bridge" type bridge
  ip addr add "$net_subnet.1/24" dev "$net_bridge"
  ip link set "$net_bridge" up
  : >"$net_topology.tmp"
  net_add_host login "${net_tag}v0"
  for i in $(seq "$nodes"); do net_add_host "node$i" "${net_tag}v$i"; done
  hosts_lines=$(awk -v m="$net_hosts_marker" '{ print $3 " " $2 " " m }' "$net_topology.tmp")
  net_edit_hosts "$net_subnet.1 $(net_hostname ctl) $net_hosts_marker"$'\n'"$hosts_lines"
  net_forward_rule add
  chmod 0644 "$net_topology.tmp"
  mv "$net_topology.tmp" "$net_topology"
}

# Ends what still runs in the namespaces (a node's jobs outlive a killed slurmd), then removes the
# namespaces, the bridge, the /etc/hosts lines and the firewall rule. Harmless when nothing exists.
net_down() {
  local quiet=${1:-} namespace pids deadline
  local namespaces
  namespaces=$(ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$net_tag-" || true)
  for namespace in $namespaces; do
    pids=$(ip netns pids "$namespace" 2>/dev/null | tr '\n' ' ')
    [[ -n ${pids// /} ]] || continue
    log "ending processes left in $namespace: $pids"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)) && [[ -n $(ip netns pids "$namespace" 2>/dev/null) ]]; do sleep 0.2; done
    pids=$(ip netns pids "$namespace" 2>/dev/null | tr '\n' ' ')
    # shellcheck disable=SC2086
    [[ -z ${pids// /} ]] || kill -KILL $pids 2>/dev/null || true
  done
  for namespace in $namespaces; do ip netns del "$namespace"; done
  if [[ -d $net_uts_dir ]]; then
    local file
    for file in "$net_uts_dir"/*; do
      [[ -e $file ]] || continue
      umount "$file" 2>/dev/null || true
      rm -f "$file"
    done
    rmdir "$net_uts_dir" 2>/dev/null || true
  fi
  if ip link show "$net_bridge" >/dev/null 2>&1; then ip link del "$net_bridge"; fi
  if grep -qF -- " $net_hosts_marker" /etc/hosts; then net_edit_hosts ""; fi
  net_forward_rule delete
  rm -f "$net_topology" "$net_topology.tmp"
  [[ -n $quiet || -z $namespaces ]] || log "network removed ($net_tag-*)"
}
