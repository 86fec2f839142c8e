/*
 * pcocc-init: PID 1 of the pcocc-docker guest VM (guest/README.md; interface: docs/CONTRACTS.md,
 * "Guest image"). Built static by scripts/build-guest-image.sh from the C files of guest/init/.
 */
#ifndef PCOCC_INIT_H
#define PCOCC_INIT_H

#include <stddef.h>
#include <sys/types.h>

#define FWCFG "/sys/firmware/qemu_fw_cfg/by_name/opt/pcocc/"
#define TLSDIR "/etc/docker/tls"
#define DATADEV "/dev/vdb"
#define DOCKERDIR "/var/lib/docker"
#define MAXMOUNTS 64
#define MAXVALUES 16

/* slirp's fixed addresses (QEMU user networking, net=10.0.2.0/24). */
#define GUEST_ADDR "10.0.2.15"
#define GATEWAY_ADDR "10.0.2.2"
#define SLIRP_DNS "10.0.2.3"

/* ---- util.c ---- */
extern int console;
double uptime(void);
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void do_mount(const char *src, const char *dst, const char *type, unsigned long flags, const char *data);
void mkdirs(const char *path, mode_t mode);
char *slurp(const char *path, size_t *len);
int write_file(const char *path, const char *data, size_t len, mode_t mode);
int copy_fwcfg(const char *name, const char *dst, mode_t mode);
pid_t spawn(char *const argv[]);
int wait_child(pid_t pid);

/* ---- config.c: opt/pcocc/config ---- */
enum network { NETWORK_NAT, NETWORK_NONE };

struct values {
    int n;
    char *v[MAXVALUES];
};

struct config {
    int iptables;
    int persistent_data_disk;
    enum network network;
    char hostname[64];
    int nmounts;
    char *mount_tag[MAXMOUNTS];
    char *mount_path[MAXMOUNTS];
    struct values mirrors, insecure, dns;
    char *http_proxy, *https_proxy, *no_proxy;
};

void read_config(struct config *c);
/* dockerd's argument vector (NULL-terminated, malloc'd) for this configuration. */
char **dockerd_argv(const struct config *c);

/* ---- network.c ---- */
/* Configures lo and the NIC; returns the NIC's name (static storage), "" when there is none. With the NAT helper
   the NIC stays down until finish_network. */
const char *setup_network(const struct config *c);
/* With network=nat and iptables off: IP forwarding and one MASQUERADE rule for what leaves the
   NIC, in a helper process. Returns the helper (0 when nothing was started). */
pid_t setup_nat(const struct config *c, const char *ifname);
/* Waits for the NAT helper, then brings the NIC up if setup_network left it down. */
void finish_network(const struct config *c, const char *ifname, pid_t nat);

#endif
