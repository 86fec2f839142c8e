# Functional checks of a booted guest, sourced by bench/kernel-to-init.sh --check.
#
# checks_services WORK NETWORK   starts the node-side services on loopback (the guest sees the node's
#                                loopback as 10.0.2.2) and prints the guest config lines that use them
# checks_run                     the checks, against DOCKER_HOST/DOCKER_CERT_PATH already exported
# checks_stop                    stops the services (also safe when none were started)
#
# Nothing leaves this machine: every address is an IP on loopback, and the guest's HTTP(S) proxy is a
# local stub that refuses every request, so a pull that would go out (Docker Hub after a failed
# mirror, any registry not on loopback) fails here instead.
#
# busybox's wget -T crashes in the static Debian build: `timeout N wget` bounds the waits instead.
# Services: a Python http.server (a file for containers to fetch), Debian's docker-registry (insecure
# registry and Docker Hub mirror), a proxy stub that logs the request line and answers 502.
# Checks with network=nat: container NAT on the default bridge and on a user-defined network, a
# docker build whose RUN step fetches a file, a published port reached from a second container,
# push/rmi/pull through the insecure registry, a Docker Hub name pulled from the mirror, dockerd's
# requests through the proxy, the dns= servers in containers, AppArmor's docker-default profile on
# containers. With network=none: containers reach nothing.

checks_pids=()
checks_fail=0

checks_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

checks_wait_port() { # $1 = port on 127.0.0.1
  local i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "service on 127.0.0.1:$1 did not start" >&2
  return 1
}

checks_services() {
  checks_work=$1 checks_network=$2
  mkdir -p "$checks_work/www" "$checks_work/registry"
  echo "hello through NAT" >"$checks_work/www/hello.txt"
  checks_http_port=$(checks_free_port)
  python3 -m http.server --bind 127.0.0.1 --directory "$checks_work/www" "$checks_http_port" >"$checks_work/http.log" 2>&1 &
  checks_pids+=($!)
  checks_registry_port=$(checks_free_port)
  cat >"$checks_work/registry.yml" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $checks_work/registry
http:
  addr: 127.0.0.1:$checks_registry_port
YAML
  docker-registry serve "$checks_work/registry.yml" >"$checks_work/registry.log" 2>&1 &
  checks_pids+=($!)
  checks_proxy_port=$(checks_free_port)
  python3 - "$checks_proxy_port" "$checks_work/proxy.log" >/dev/null 2>&1 <<'PY' &
import socketserver, sys
port, log = int(sys.argv[1]), sys.argv[2]
class Stub(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline().decode("latin-1").strip()
        with open(log, "a") as f: f.write(line + "\n")
        self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", port), Stub).serve_forever()
PY
  checks_pids+=($!)
  checks_wait_port "$checks_http_port" && checks_wait_port "$checks_registry_port" && checks_wait_port "$checks_proxy_port" || return 1
  [ "$checks_network" = nat ] || return 0
  printf '%s\n' \
    "registry-mirror=http://10.0.2.2:$checks_registry_port" \
    "insecure-registry=10.0.2.2:$checks_registry_port" \
    "dns=10.0.2.3" "dns=10.0.2.2" \
    "http-proxy=http://10.0.2.2:$checks_proxy_port" \
    "https-proxy=http://10.0.2.2:$checks_proxy_port" \
    "no-proxy=10.0.2.2,localhost,127.0.0.1"
}

checks_stop() {
  local p
  for p in "${checks_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${checks_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  checks_pids=()
}

check() { # $1 = name, $2 = expected output (or "!fail" for a command that must fail), rest = command
  local name=$1 want=$2 out rc=0 t0 t1
  shift 2
  t0=$(date +%s.%N)
  out=$("$@" 2>&1) || rc=$?
  t1=$(date +%s.%N)
  local took
  took=$(python3 -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1")
  if { [ "$want" = '!fail' ] && [ "$rc" != 0 ]; } || { [ "$want" != '!fail' ] && [ "$rc" = 0 ] && [[ $out == *"$want"* ]]; }; then
    echo "ok   $name (${took}s)" >&2
  else
    echo "FAIL $name (${took}s, status $rc): $(tail -c 600 <<<"$out")" >&2
    checks_fail=1
  fi
}

checks_run() {
  local reg=10.0.2.2:$checks_registry_port url=http://10.0.2.2:$checks_http_port/hello.txt
  checks_fail=0
  echo "--- checks (network=$checks_network)" >&2
  check "docker info: AppArmor in the security options" "apparmor" docker info --format '{{.SecurityOptions}}'
  check "container runs under docker-default" "docker-default (enforce)" docker run --rm bb cat /proc/self/attr/current
  if [ "$checks_network" = none ]; then
    check "network none: a container reaches nothing" "unreachable" \
      docker run --rm bb sh -c "if timeout 5 wget -q -O- '$url'; then echo reached; else echo unreachable; fi"
    return "$checks_fail"
  fi
  check "default bridge: NAT to the node's loopback" "hello through NAT" docker run --rm bb timeout 20 wget -q -O- "$url"
  mkdir -p "$checks_work/context"
  printf 'FROM bb\nRUN wget -q -O /fetched %s\nCMD ["cat", "/fetched"]\n' "$url" >"$checks_work/context/Dockerfile"
  check "docker build: a RUN step fetches through NAT" "hello through NAT" \
    sh -c "docker build -q -t pcocc-fetched '$checks_work/context' >/dev/null && docker run --rm pcocc-fetched"
  docker network create pcocc-check >/dev/null
  check "user-defined network: NAT" "hello through NAT" docker run --rm --network pcocc-check bb timeout 20 wget -q -O- "$url"
  docker network rm pcocc-check >/dev/null
  docker run -d --name pcocc-web -p 8080:80 bb httpd -f -p 80 -h /www >/dev/null
  check "published port reached from a second container" "served from a container" \
    docker run --rm bb sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do timeout 5 wget -q -O- http://10.0.2.15:8080/index.html && exit; sleep 0.5; done; exit 1'
  docker rm -f pcocc-web >/dev/null
  check "dns= lines reach containers" "nameserver 10.0.2.2" docker run --rm bb cat /etc/resolv.conf
  check "proxy lines reach dockerd" "http://10.0.2.2:$checks_proxy_port" docker info --format '{{.HTTPSProxy}}'
  check "insecure registry: push" "latest: digest" sh -c "docker tag bb $reg/check/bb && docker push $reg/check/bb"
  docker rmi "$reg/check/bb" >/dev/null
  check "insecure registry: pull back" "Downloaded newer image" docker pull "$reg/check/bb"
  skopeo copy -q "oci:$checks_work/oci:latest" "docker://127.0.0.1:$checks_registry_port/library/mirrored:latest" --dest-tls-verify=false >&2
  check "Docker Hub name pulled from the mirror" "Downloaded newer image for mirrored:latest" docker pull mirrored
  check "the mirror served it" "/v2/library/mirrored/manifests/latest" cat "$checks_work/registry.log"
  check "a registry off loopback goes through the proxy" '!fail' docker pull 10.0.2.4:5000/none
  check "the proxy saw dockerd's request" "CONNECT 10.0.2.4:5000" cat "$checks_work/proxy.log"
  return "$checks_fail"
}
