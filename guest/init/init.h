/*
 * pcocc-init: PID 1 of the pcocc-docker guest VM (guest/README.md; interface: docs/CONTRACTS.md,
 * "Guest image"). Built static by scripts/build-guest-image.sh from the C files of guest/init/.
 */
#ifndef PCOCC_INIT_H
#define PCOCC_INIT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FWCFG "/sys/firmware/qemu_fw_cfg/by_name/opt/pcocc/"
#define DATADEV "/dev/vdb"
/* The job disk (docs/CONTRACTS.md): a raw disk of JOB_DISK_BYTES, the job's record at offset 0. */
#define JOBDEV "/dev/vdc"
#define JOB_DISK_BYTES (1024 * 1024)
#define JOB_POLL_USEC 10000
#define JOB_TLSDIR "/run/pcocc/tls"
#define DOCKER_SOCKET "/run/docker.sock"
#define DOCKER_TLS_PORT "2376"
#define DAEMON_POLL_USEC 20000
#define DOCKERDIR "/var/lib/docker"
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
pid_t spawn(char *const argv[]);
/* spawn, with `fd` as the child's fd 3 (-1: none). */
pid_t spawn_with_fd3(char *const argv[], int fd);
int wait_child(pid_t pid);

/* ---- main.c ---- */
/* Set by SIGTERM/SIGINT/SIGPWR: the waits below give up, and the init stops dockerd. */
extern volatile sig_atomic_t stop_requested;
/* Reaps the children that have ended, without waiting, restarting containerd: 1 when `dockerd` was among them. */
int reap_while_waiting(pid_t dockerd);
/* Restarts containerd when `pid` (reaped, with `status`) was containerd: 1 then. For waits that reap any child. */
int restart_if_containerd(pid_t pid, int status);

/* ---- daemon.c ---- */
/* Polls dockerd's socket until it answers GET /_ping: 0; -1 when a stop is asked for; -2 when dockerd exits (it is
   then reaped). */
int wait_for_daemon(pid_t dockerd);
/* pcocc-tls (guest/tls): mutual TLS on port 2376 with the job's files, each connection handed to dockerd's socket.
   Started before the job exists; returns once it listens (and waits for release_tls_terminator to read the files),
   or 0 when it cannot be started. */
extern pid_t tls_terminator; /* 0 once reaped */
pid_t start_tls_terminator(void);
/* Tells the terminator the job's TLS files are in (starting it again if it died), and waits until it serves with
   them: 0, or -1 when it cannot. */
int release_tls_terminator(void);

/* ---- job.c: the job disk ---- */
uint32_t posix_cksum(const unsigned char *data, size_t len);
/* Polls the job disk until the job's record is there, then applies it (clock, random state, hostname, TLS files,
   9p mounts): 0; -1 when a stop is asked for; -2 when dockerd exits meanwhile (it is then reaped); -3 when there
   is no job disk or the record lacks TLS files. */
int wait_for_job(pid_t dockerd);

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
