#!/usr/bin/env bash
# Builds the pcocc-docker guest image (kernel, initrd, rootfs.qcow2, image.json) from Debian
# packages, cached under CACHE/<recipe-sha256>/ (docs/CONTRACTS.md, "Guest image"; guest/README.md).
#
#   scripts/build-guest-image.sh [--cache DIR] [--force] [--refresh]
#
# The recipe hash covers every file under guest/ (but *.md), this script, and the exact version of
# every Debian package the image would hold, resolved from the mirror's current indices: a Debian
# (security) update gives a new hash, hence a new image. The indices are refreshed when older than
# PCOCC_GUEST_INDEX_MAX_AGE seconds (default 3600; --refresh: now). A cache hit prints the image
# directory and exits. Progress goes to stderr, the image directory to stdout.
# Needs root, debootstrap, qemu-img, mkfs.ext4 (>= 1.43 for -d), cpio, zstd, gcc (scripts/install-deps.sh).
# PCOCC_GUEST_MIRROR overrides the Debian mirror taken from this machine's apt sources.
set -euo pipefail

cache=/var/cache/pcocc-docker/guest
force=0 refresh=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache=${2:?--cache needs a directory}; shift 2 ;;
    --cache=*) cache=${1#--cache=}; shift ;;
    --force) force=1; shift ;;
    --refresh) refresh=1; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) echo "build-guest-image: unknown argument: $1" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
self=$root/scripts/build-guest-image.sh
suite=trixie
max_age=${PCOCC_GUEST_INDEX_MAX_AGE:-3600}

log() { printf '[build-guest-image %5ss] %s\n' "$SECONDS" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Debian mirror: this machine's apt sources (deb822 *.sources or one-line lists).
find_mirror() { # $1 = suite; prints the first URI serving it
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v want="$1" '
      function flush() { if (uri != "" && hit && enabled) { print uri; found = 1; exit } uri = ""; hit = 0; enabled = 1 }
      BEGIN { enabled = 1 }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]*#/ { next }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "enabled:" { enabled = ($2 != "no") }
      tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == want) hit = 1 }
      END { if (!found) flush() }' "$f"
  done
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
    awk -v want="$1" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == want) print $i }'
}
# The guest's suite from the URI that serves it, else from the one serving this machine's own release
# (a Debian mirror serves every release; this machine's sources usually name only its own).
host_suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
mirror_for() { # $1 = suffix ("", -updates, -security)
  local m
  m=$(find_mirror "$suite$1" | head -n1 || true)
  [ -n "$m" ] || [ -z "$host_suite" ] || m=$(find_mirror "$host_suite$1" | head -n1 || true)
  echo "$m"
}
mirror=${PCOCC_GUEST_MIRROR:-$(mirror_for "")}
[ -n "$mirror" ] || die "no apt source for $suite or $host_suite found in /etc/apt; set PCOCC_GUEST_MIRROR"
updates=$(mirror_for -updates)
security=$(mirror_for -security)
[ -z "${PCOCC_GUEST_MIRROR:-}" ] || updates=$mirror
apt_sources() {
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "deb [signed-by=$keyring] $mirror $suite main"
  [ -z "$updates" ] || echo "deb [signed-by=$keyring] $updates $suite-updates main"
  [ -z "$security" ] || echo "deb [signed-by=$keyring] $security $suite-security main"
}

packages=$(sed 's/#.*//' "$root/guest/packages.txt" | xargs)

# --- The versions of every package of the image, resolved with apt from the suite's indices kept
# in CACHE/.apt (no dpkg status: what debootstrap --variant=minbase installs, Priority required and
# apt, plus packages.txt with their dependencies, no recommends). Resolving costs seconds, so each
# result is kept under the digest of the package list and the indices' InRelease files.
apt_dir=$cache/.apt
apt_run() { # $1 = apt-get | apt-cache, $2 = its binary cache file ("": none), then its arguments
  local tool=$1; shift
  "$tool" -q -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
    -o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status" \
    -o "Dir::Cache=$apt_dir/cache" -o "Dir::Cache::pkgcache=$1" -o "Dir::Cache::srcpkgcache=" \
    -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o Acquire::Languages=none \
    -o APT::Sandbox::User=root -o Debug::NoLocking=1 -o APT::Get::List-Cleanup=1 "${@:2}"
}
refresh_indices() { # updates $apt_dir/lists when older than max_age; works from old lists when the mirror fails
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/resolved"
  : >>"$apt_dir/status"
  local want age
  want=$(apt_sources)
  [ "$want" = "$(cat "$apt_dir/sources.list" 2>/dev/null)" ] || { echo "$want" >"$apt_dir/sources.list"; refresh=1; }
  if [ -f "$apt_dir/updated" ]; then
    age=$(( $(date +%s) - $(stat -c %Y "$apt_dir/updated") ))
    [ "$age" -lt "$max_age" ] || refresh=1
  else
    refresh=1
  fi
  [ "$refresh" = 1 ] || return 0
  log "refreshing the $suite indices from $mirror"
  rm -f "$apt_dir/cache/pkgcache.bin"
  if apt_run apt-get "$apt_dir/cache/pkgcache.bin" update >"$apt_dir/update.log" 2>&1 &&
    ! grep -q '^[WE]:' "$apt_dir/update.log"; then
    touch "$apt_dir/updated"
  elif ls "$apt_dir"/lists/*_InRelease >/dev/null 2>&1; then
    log "WARNING: the $suite indices could not be refreshed ($(grep -m1 '^[WE]:' "$apt_dir/update.log" || tail -n1 "$apt_dir/update.log")); using the previous ones"
  else
    tail -n 20 "$apt_dir/update.log" >&2
    die "cannot read the $suite indices from $mirror: set PCOCC_GUEST_MIRROR to a Debian mirror this machine reaches"
  fi
}
resolve_versions() { # prints "name version" of every package of the image, sorted
  local key memo pkgcache=""
  [ -w "$cache" ] && refresh_indices
  ls "$apt_dir"/lists/*_InRelease >/dev/null 2>&1 || die "no $suite indices in $apt_dir: run this script as root once"
  key=$( { echo "$packages"; cat "$apt_dir"/lists/*_InRelease; } | sha256sum | cut -d' ' -f1)
  memo=$apt_dir/resolved/$key
  if [ ! -s "$memo" ]; then
    if [ -w "$apt_dir" ]; then pkgcache=$apt_dir/cache/pkgcache.bin; else memo=$versions.memo; fi
    # shellcheck disable=SC2086
    apt_run apt-get "$pkgcache" -s install --no-install-recommends '?priority(required)' apt $packages \
      >"$memo.log" 2>&1 || { tail -n 20 "$memo.log" >&2; die "packages of guest/packages.txt cannot be installed from $suite"; }
    awk '$1 == "Inst" { v = $3; sub(/^\(/, "", v); print $2, v }' "$memo.log" | LC_ALL=C sort >"$memo.$$"
    rm -f "$memo.log"
    [ -s "$memo.$$" ] || die "resolving the guest packages gave nothing (see apt-get -s in $0)"
    mv "$memo.$$" "$memo"
    find "$apt_dir/resolved" -type f -mtime +7 -delete 2>/dev/null || true
  fi
  cat "$memo"
  [ "$memo" != "$versions.memo" ] || rm -f "$memo"
}

recipe_hash() { # $1 = file of resolved package versions
  (
    cd "$root"
    find guest -type f ! -name '*.md' -print | LC_ALL=C sort | while IFS= read -r f; do
      printf '%s\0' "$f"; sha256sum <"$f"
    done
    printf '%s\0' scripts/build-guest-image.sh; sha256sum <"$self"
    printf 'packages\0'; sha256sum <"$1"
  ) | sha256sum | cut -d' ' -f1
}

set_current() { # atomically point CACHE/current at $1
  local cur
  cur=$(readlink "$cache/current" 2>/dev/null || true)
  [ "$cur" = "$1" ] && return 0
  ln -sfn "$1" "$cache/.current.$$"
  mv -T "$cache/.current.$$" "$cache/current"
}

[ "$(id -u)" = 0 ] || [ -d "$apt_dir/lists" ] || die "must run as root (debootstrap, chroot)"
mkdir -p "$cache"
versions=$(mktemp "${TMPDIR:-/tmp}/pcocc-guest-versions.XXXXXX")
trap 'rm -f "$versions"' EXIT
# One resolution at a time: apt-get update rewrites the shared lists.
[ -e "$cache/.apt.lock" ] || : >"$cache/.apt.lock"
(
  flock 8
  resolve_versions >"$versions"
) 8<"$cache/.apt.lock" || exit 1
hash=$(recipe_hash "$versions")
out=$cache/$hash
if [ "$force" = 0 ] && [ -f "$out/image.json" ]; then
  set_current "$hash" 2>/dev/null || true
  echo "$out"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
for t in debootstrap chroot qemu-img mkfs.ext4 cpio zstd xz gcc sha256sum; do
  command -v "$t" >/dev/null || die "$t not found (run scripts/install-deps.sh)"
done
[ -f /usr/include/openssl/ssl.h ] || die "OpenSSL's headers not found: install libssl-dev (scripts/install-deps.sh)"

# One build at a time per cache; a second caller waits, then takes the fast path.
exec 9>"$cache/.lock"
if ! flock -n 9; then
  log "another build is running, waiting for it"
  flock 9
fi
if [ "$force" = 0 ] && [ -f "$out/image.json" ]; then
  set_current "$hash"
  echo "$out"
  exit 0
fi

tmp=$(mktemp -d "$cache/.build.XXXXXX")
rootfs=$tmp/rootfs
child=""
# Long steps run in their own process group, in the background, so that a signal reaches the trap
# at once (bash defers traps until a foreground child exits) and cleanup can stop the whole step.
step() {
  setsid "$@" &
  child=$!
  local rc=0
  wait "$child" || rc=$?
  child=""
  return "$rc"
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$child" ]; then
    kill -TERM -- "-$child" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$child" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  # Whatever debootstrap or we left mounted in the rootfs, deepest first.
  if [ -n "${rootfs:-}" ]; then
    awk -v r="$rootfs" 'index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
  fi
  if [ -d "$tmp" ]; then rm -rf --one-file-system "$tmp"; fi
  rm -f "$cache/.current.$$" "$versions"
  [ "$rc" = 0 ] || log "failed (exit $rc); temporary files removed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "recipe $hash: Debian $suite from $mirror, $(wc -l <"$versions") packages"
debs=$cache/.debs # downloaded packages, reused by later builds
mkdir -p "$debs"

log "debootstrap --variant=minbase $suite"
step debootstrap --variant=minbase --cache-dir="$debs" "$suite" "$rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
  { tail -n 30 "$tmp/debootstrap.log" >&2; die "debootstrap failed"; }

{
  echo "deb $mirror $suite main"
  [ -z "$updates" ] || echo "deb $updates $suite-updates main"
  [ -z "$security" ] || echo "deb $security $suite-security main"
} >"$rootfs/etc/apt/sources.list"
# No services during installation, no initramfs generation (the image ships its own initrd).
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
echo force-unsafe-io >"$rootfs/etc/dpkg/dpkg.cfg.d/pcocc-unsafe-io"
chmod 755 "$rootfs/usr/sbin/policy-rc.d"
chroot "$rootfs" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs
ln -sf /bin/true "$rootfs/usr/sbin/update-initramfs"
printf 'do_symlinks = no\n' >"$rootfs/etc/kernel-img.conf"
mount -t proc proc "$rootfs/proc"

log "apt-get install $packages (and their dependencies, pinned)"
find "$debs" -maxdepth 1 -name '*.deb' -exec cp -l -t "$rootfs/var/cache/apt/archives/" {} + 2>/dev/null || true
step chroot "$rootfs" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C \
  apt-get update -qq >"$tmp/apt.log" 2>&1 || { tail -n 30 "$tmp/apt.log" >&2; die "apt-get update failed"; }
# Every package at the version the hash was made of: debootstrap took the base from $suite alone, so
# this also brings it to $suite-security/-updates; and a mirror that moved on since fails here.
pinned=$(awk '{ print $1 "=" $2 }' "$versions" | xargs)
# shellcheck disable=SC2086
step chroot "$rootfs" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C \
  apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 $pinned >>"$tmp/apt.log" 2>&1 ||
  { tail -n 40 "$tmp/apt.log" >&2; die "apt-get install failed"; }
find "$rootfs/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -exec cp -l -n -t "$debs/" {} + 2>/dev/null || true
umount "$rootfs/proc"
# The image must hold exactly the resolved packages, else its hash would not name its content.
chroot "$rootfs" dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' |
  awk '$1 ~ /^.i/ { print $2, $3 }' | LC_ALL=C sort >"$tmp/versions.txt"
if ! cmp -s "$tmp/versions.txt" "$versions"; then
  diff "$versions" "$tmp/versions.txt" | grep '^[<>]' | head -n 20 >&2 || true
  die "the installed packages differ from the resolved ones (< resolved, > installed): the mirror changed during the build (run again) or the resolution in this script misses what debootstrap does"
fi

kver=$(ls "$rootfs/lib/modules" | sort -V | tail -n1)
[ -n "$kver" ] && [ -f "$rootfs/boot/vmlinuz-$kver" ] || die "kernel not installed"
log "kernel $kver"
cp "$rootfs/boot/vmlinuz-$kver" "$tmp/vmlinuz"
# Under TCG, decompressing the xz bzImage takes seconds (about 70% of kernel-to-init here).
# The kernel has CONFIG_PVH: QEMU boots the uncompressed ELF vmlinux directly (-kernel, PVH entry).
kernel_file=vmlinuz
python3 "$root/guest/build/vmlinux-pvh.py" "$tmp/vmlinuz" "$tmp/vmlinux" && kernel_file=vmlinux ||
  log "no PVH vmlinux could be extracted: booting vmlinuz"
initrd_comp="zstd -q -19 -T0"
grep -q '^CONFIG_RD_ZSTD=y' "$rootfs/boot/config-$kver" || initrd_comp="gzip -9n"

log "trimming the root filesystem"
chroot "$rootfs" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs 2>/dev/null || true
rm -f "$rootfs/usr/sbin/policy-rc.d" "$rootfs/etc/dpkg/dpkg.cfg.d/pcocc-unsafe-io"
rm -rf "$rootfs"/boot/* "$rootfs"/initrd.img* "$rootfs"/vmlinuz* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/i18n "$rootfs"/usr/share/lintian "$rootfs"/usr/share/linda \
  "$rootfs"/usr/share/bug "$rootfs"/usr/share/common-licenses "$rootfs"/usr/share/zoneinfo \
  "$rootfs"/usr/share/initramfs-tools "$rootfs"/etc/initramfs-tools "$rootfs"/usr/lib/initramfs-tools \
  "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
  "$rootfs"/var/lib/dpkg/*-old "$rootfs"/var/log/* "$rootfs"/etc/machine-id "$rootfs"/var/lib/dbus/machine-id
# Kernel modules no VM of ours can use (hardware drivers, other filesystems, wireless...).
mods=$rootfs/lib/modules/$kver/kernel
rm -rf "$mods"/sound "$mods"/net/{wireless,mac80211,bluetooth,nfc,6lowpan,ieee802154,mac802154} \
  "$mods"/fs/{btrfs,xfs,ocfs2,gfs2,nfs,nfsd,nfs_common,lockd,smb,cifs,ceph,jfs,reiserfs,ntfs3,ntfs,f2fs,ubifs,jffs2,nilfs2,hfs,hfsplus,ufs,orangefs,afs,coda,dlm,erofs,bcachefs,gfs,omfs,minix,qnx4,qnx6,befs,affs,efs,sysv,romfs,udf,cramfs,exfat,vboxsf,zonefs}
for d in "$mods"/drivers/*; do
  case "${d##*/}" in
    virtio|block|net|char|firmware|md|vhost|nvdimm|dax|acpi|base|pci|tty|input|crypto|hwmon) ;;
    *) rm -rf "$d" ;;
  esac
done
rm -rf "$mods"/drivers/net/{wireless,ethernet,usb,can,wan,ieee802154,hamradio,wwan,fddi,arcnet,plip,slip,ppp,fjes,hyperv,xen-netback,thunderbolt,phy,pcs,mdio,dsa} \
  "$mods"/drivers/char/{tpm,ipmi,agp,xillybus} "$mods"/drivers/input/{joystick,tablet,touchscreen,misc,mouse,keyboard}
# Decompressed: the kernel would inflate each xz module at load, under TCG, about 3.5 MB for the ones a boot loads
# (overlay, bridge, veth, nf_tables, nf_conntrack, nf_nat...). About 3.5 MB more on disk.
find "$rootfs/lib/modules/$kver" -name '*.ko.xz' -exec xz -d {} +
log "depmod"
chroot "$rootfs" depmod -a "$kver"

log "installing pcocc-init"
gcc -O2 -Wall -Wextra -Wno-format-truncation -static -o "$rootfs/sbin/pcocc-init" "$root"/guest/init/*.c
strip "$rootfs/sbin/pcocc-init"
log "installing pcocc-tls"
# Against the host's OpenSSL 3 headers (libssl-dev); it runs with the guest's libssl.so.3, the same ABI.
gcc -O2 -Wall -Wextra -o "$rootfs/usr/sbin/pcocc-tls" "$root"/guest/tls/pcocc-tls.c -lssl -lcrypto
strip "$rootfs/usr/sbin/pcocc-tls"
install -D -m 644 "$root/guest/containerd.toml" "$rootfs/etc/pcocc/containerd.toml"
python3 "$root/guest/build/docker-apparmor.py" "$rootfs" "$rootfs/etc/pcocc/docker-default" ||
  die "cannot write docker's AppArmor profile from the dockerd of the image"
# Compiled here for the kernel features Debian pins its policy to (parser.conf's policy-features, which the guest's
# apparmor_parser compiles for too): the init loads the binary instead of compiling it on the guest's one vCPU.
# With the modules above, 6 interleaved boots (bench/kernel-to-init.sh, 1 vCPU): QEMU CPU to ready 0.12 s less by the
# medians, 0.76 s by the median of the pairs' differences; within this machine's noise, but work the vCPU no longer does.
features=$(sed -n 's/^policy-features=//p' "$rootfs/etc/apparmor/parser.conf")
[ -n "$features" ] && [ -f "$rootfs$features" ] ||
  die "no policy-features in the image's /etc/apparmor/parser.conf: the AppArmor precompilation must be looked at again"
chroot "$rootfs" apparmor_parser --skip-kernel-load --skip-cache --features-file "$features" \
  --ofile /etc/pcocc/docker-default.bin /etc/pcocc/docker-default ||
  die "apparmor_parser could not compile docker's AppArmor profile"
mkdir -p "$rootfs/etc/docker/tls" "$rootfs/var/lib/docker" "$rootfs/var/lib/containerd"
chmod 700 "$rootfs/etc/docker/tls"
: >"$rootfs/etc/fstab"
echo pcocc-docker >"$rootfs/etc/hostname"

log "building the initrd"
initrd=$tmp/initrd
mkdir -p "$initrd"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$rootfs/bin/busybox" "$initrd/bin/busybox"
cp "$root/guest/initrd-init" "$initrd/init"
chmod 755 "$initrd/init"
mknod -m 600 "$initrd/dev/console" c 5 1
mknod -m 666 "$initrd/dev/null" c 1 3
# Modules and their dependencies, dependencies first, from the kernel's modules.dep.
moddir=$rootfs/lib/modules/$kver
want=$(sed 's/#.*//' "$root/guest/initrd-modules.txt" | xargs)
# shellcheck disable=SC2086
python3 "$root/guest/build/initrd-modules.py" "$moddir" "$initrd/lib/modules" $want
(cd "$initrd" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet --owner=0:0 --reproducible) |
  $initrd_comp >"$tmp/initrd.img"

log "making rootfs.qcow2"
used_kib=$(du -sk --apparent-size "$rootfs" | cut -f1)
size_mib=$(( (used_kib * 12 / 10 / 1024) + 512 ))
mkfs.ext4 -q -F -L pcocc-root -m 0 -E lazy_itable_init=0,lazy_journal_init=0 -d "$rootfs" "$tmp/rootfs.ext4" "${size_mib}M" 2>&1 | { grep -v "^Creating regular file" >&2 || true; }
qemu-img convert -f raw -O qcow2 -c -o compression_type=zstd "$tmp/rootfs.ext4" "$tmp/rootfs.qcow2"
rm -f "$tmp/rootfs.ext4"
rm -rf --one-file-system "$rootfs" "$initrd"

cmdline=$(sed 's/#.*//' "$root/guest/cmdline.txt" | xargs)
[ -n "$cmdline" ] || die "guest/cmdline.txt is empty"
python3 - "$tmp/image.json" "$cmdline" "$hash" "$kver" "$kernel_file" "$suite" <<'PY'
import json, sys
path, cmdline, h, kver, kernel_file, suite = sys.argv[1:]
json.dump({"kernel": kernel_file, "initrd": "initrd.img", "disk": "rootfs.qcow2", "cmdline": cmdline,
           "recipe_hash": h, "kernel_version": kver, "suite": suite, "packages": "versions.txt"},
          open(path, "w"), indent=2)
open(path, "a").write("\n")
PY
rm -f "$tmp"/*.log
chmod 755 "$tmp"
chmod 644 "$tmp"/vmlinu[xz] "$tmp"/initrd.img "$tmp"/rootfs.qcow2 "$tmp"/image.json "$tmp"/versions.txt

if [ -e "$out" ]; then # --force: replace the old build
  mv -T "$out" "$tmp.old"
  mv -T "$tmp" "$out"
  rm -rf --one-file-system "$tmp.old"
else
  mv -T "$tmp" "$out"
fi
set_current "$hash"
log "done: $(du -sh "$out" | cut -f1) in $out"
echo "$out"
