/* The guest's network on QEMU user networking (slirp): static addresses by ioctl (no DHCP client,
   no shell), resolv.conf and hosts, and with network=nat the NAT that lets containers out. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

static int set_flags_up(int s, const char *ifn) {
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifn);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return -1;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static int set_addr(int s, const char *ifn, unsigned long req, const char *a) {
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifn);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, a, &sin->sin_addr);
    return ioctl(s, req, &ifr);
}

/* Without udev the virtio NIC keeps its kernel name (eth0); take the first non-lo link. It appears
   once virtio_net (loaded in the initrd) has probed: wait a little for it. */
static void find_nic(char *ifn) {
    for (int tries = 0; tries < 400 && !ifn[0]; tries++) {
        DIR *d = opendir("/sys/class/net");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.' || !strcmp(e->d_name, "lo")) continue;
            if (!ifn[0] || strcmp(e->d_name, ifn) < 0) snprintf(ifn, IFNAMSIZ, "%s", e->d_name);
        }
        if (d) closedir(d);
        if (!ifn[0]) usleep(5000);
    }
}

static void write_resolver(const struct config *c) {
    char resolv[1024];
    int n = 0;
    if (c->dns.n == 0) n = snprintf(resolv, sizeof resolv, "nameserver " SLIRP_DNS "\n");
    for (int i = 0; i < c->dns.n && n < (int)sizeof resolv; i++)
        n += snprintf(resolv + n, sizeof resolv - n, "nameserver %s\n", c->dns.v[i]);
    if (n > (int)sizeof resolv) n = sizeof resolv;
    write_file("/etc/resolv.conf", resolv, n, 0644);
    char hosts[512];
    n = snprintf(hosts, sizeof hosts, "127.0.0.1\tlocalhost\n" GUEST_ADDR "\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n",
                 c->hostname);
    write_file("/etc/hosts", hosts, n, 0644);
}

/* With network=nat the NAT helper switches netfilter on (nftables, conntrack, NAT). The first packet it tracks runs
   conntrack's and NAT's get_random_once, whose static keys a kernel worker then patches out of the text with int3
   breakpoints. Under TCG with several vCPUs a vCPU can still run the patched instruction: "Oops: int3" in
   hash_conntrack_raw, the guest dead, every docker connection ended with EOF (seen when a user's first docker load
   ran into the helper). So the NIC stays down until that is over: no packet can arrive while the kernel patches. */
static int nat_by_helper(const struct config *c) { return c->network == NETWORK_NAT && !c->iptables; }

static void link_up(const struct config *c, const char *ifn) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) { msg("socket: %s", strerror(errno)); return; }
    if (set_flags_up(s, ifn) < 0) msg("bringing %s up failed: %s", ifn, strerror(errno));
    struct rtentry rt = {0};
    struct sockaddr_in *gw = (struct sockaddr_in *)&rt.rt_gateway;
    struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
    struct sockaddr_in *mask = (struct sockaddr_in *)&rt.rt_genmask;
    gw->sin_family = dst->sin_family = mask->sin_family = AF_INET;
    inet_pton(AF_INET, GATEWAY_ADDR, &gw->sin_addr);
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    rt.rt_dev = (char *)ifn;
    if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST) msg("default route: %s", strerror(errno));
    close(s);
    msg("network %s " GUEST_ADDR "/24 gw " GATEWAY_ADDR " (%s) uptime=%.3f", ifn,
        c->network == NETWORK_NAT ? "nat" : "none", uptime());
}

const char *setup_network(const struct config *c) {
    static char ifn[IFNAMSIZ];
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) { msg("socket: %s", strerror(errno)); return ""; }
    set_addr(s, "lo", SIOCSIFADDR, "127.0.0.1");
    set_flags_up(s, "lo");
    find_nic(ifn);
    if (!ifn[0]) { msg("no network interface found"); close(s); return ""; }
    if (set_addr(s, ifn, SIOCSIFADDR, GUEST_ADDR) < 0 || set_addr(s, ifn, SIOCSIFNETMASK, "255.255.255.0") < 0)
        msg("configuring %s failed: %s", ifn, strerror(errno));
    close(s);
    write_resolver(c);
    if (!nat_by_helper(c)) link_up(c, ifn);
    return ifn;
}

void finish_network(const struct config *c, const char *ifn, pid_t nat) {
    if (nat > 0) (void)wait_child(nat); /* the helper says itself whether the rule went in */
    if (ifn[0] && nat_by_helper(c)) link_up(c, ifn);
}

/* dockerd with --iptables=false sets up no NAT, and with --iptables=true its many iptables calls
   cost seconds at start under TCG: one rule from here gives containers (default bridge and
   user-defined networks alike) the guest's own way out, for ~1.7 s of the init under TCG (see nat_by_helper for
   why it must come before dockerd). Published ports (-p) go through docker-proxy, which needs no rule. */
/* One loopback datagram through netfilter (the NIC is still down): conntrack's and NAT's get_random_once run now,
   and the worker that patches their static keys gets the time to finish before any other packet comes. */
static void prime_netfilter(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return;
    struct sockaddr_in discard = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "127.0.0.1", &discard.sin_addr);
    (void)sendto(s, "x", 1, 0, (struct sockaddr *)&discard, sizeof discard);
    close(s);
    usleep(200 * 1000);
}

pid_t setup_nat(const struct config *c, const char *ifname) {
    if (!nat_by_helper(c) || !ifname[0]) return 0;
    if (write_file("/proc/sys/net/ipv4/ip_forward", "1\n", 2, 0644) != 0) return 0;
    pid_t helper = fork();
    if (helper != 0) return helper < 0 ? 0 : helper;
    /* Beside the shares' mounts and the data disk's mkfs, before dockerd (which waits for it, see finish_network). */
    char ifn[IFNAMSIZ];
    snprintf(ifn, sizeof ifn, "%s", ifname);
    char *argv[] = {"/usr/sbin/iptables", "-w", "-t", "nat", "-A", "POSTROUTING", "-o", ifn, "-j", "MASQUERADE", NULL};
    int st = wait_child(spawn(argv));
    if (st != 0) {
        msg("NAT rule failed (iptables status %d): containers have no way out", st);
        _exit(1);
    }
    prime_netfilter();
    msg("nat ready uptime=%.3f", uptime());
    _exit(0);
}
