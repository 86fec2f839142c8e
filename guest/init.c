/*
 * pcocc-init: PID 1 of the pcocc-docker guest VM.
 *
 * Does the minimum needed before dockerd can serve, without forking shells:
 * API filesystems and cgroup2, TLS material and settings from QEMU fw_cfg,
 * static slirp networking (10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3), the data
 * disk /dev/vdb on /var/lib/docker (mkfs.ext4 in parallel when blank), 9p shares,
 * then starts dockerd. It stays PID 1: it reaps every orphan (so no tini is needed),
 * forwards SIGTERM/SIGINT to dockerd and powers the VM off when dockerd exits.
 *
 * Built static by scripts/build-guest-image.sh: gcc -O2 -static -o pcocc-init init.c
 * Interface: docs/CONTRACTS.md, "Guest image".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FWCFG "/sys/firmware/qemu_fw_cfg/by_name/opt/pcocc/"
#define TLSDIR "/etc/docker/tls"
#define DATADEV "/dev/vdb"
#define DOCKERDIR "/var/lib/docker"
#define MAXMOUNTS 64

static int console = 2;

static double uptime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msg(const char *fmt, ...) {
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "pcocc-init: ");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2) n = sizeof buf - 2;
    buf[n++] = '\n';
    if (write(console, buf, n) < 0) { /* nothing to do */ }
}

static void do_mount(const char *src, const char *dst, const char *type, unsigned long fl, const char *data) {
    mkdir(dst, 0755);
    if (mount(src, dst, type, fl, data) != 0 && errno != EBUSY)
        msg("mount %s on %s (%s) failed: %s", src, dst, type, strerror(errno));
}

static void mkdirs(const char *path, mode_t mode) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') { *p = 0; mkdir(tmp, 0755); *p = '/'; }
    mkdir(tmp, mode);
}

/* Reads a whole small file; returns malloc'd NUL-terminated buffer or NULL. */
static char *slurp(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) buf = realloc(buf, (cap *= 2) + 1);
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += r;
    }
    close(fd);
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

static int write_file(const char *path, const char *data, size_t len, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) { msg("cannot write %s: %s", path, strerror(errno)); return -1; }
    fchmod(fd, mode);
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { close(fd); return -1; }
        data += w; len -= w;
    }
    close(fd);
    return 0;
}

static int copy_fwcfg(const char *name, const char *dst, mode_t mode) {
    char src[256];
    size_t len;
    snprintf(src, sizeof src, FWCFG "%s/raw", name);
    char *d = slurp(src, &len);
    if (!d) { msg("fw_cfg opt/pcocc/%s missing", name); return -1; }
    int r = write_file(dst, d, len, mode);
    free(d);
    return r;
}

/* ---- networking, by ioctl ---- */
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

static void setup_network(const char *hostname) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) { msg("socket: %s", strerror(errno)); return; }
    set_addr(s, "lo", SIOCSIFADDR, "127.0.0.1");
    set_flags_up(s, "lo");

    /* Without udev the virtio NIC keeps its kernel name (eth0); take the first non-lo link.
       It appears when virtio_net (loaded in the initrd) has probed: wait a little for it. */
    char ifn[IFNAMSIZ] = "";
    for (int tries = 0; tries < 400 && !ifn[0]; tries++) {
        DIR *d = opendir("/sys/class/net");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.' || !strcmp(e->d_name, "lo")) continue;
            if (!ifn[0] || strcmp(e->d_name, ifn) < 0) snprintf(ifn, sizeof ifn, "%s", e->d_name);
        }
        if (d) closedir(d);
        if (!ifn[0]) usleep(5000);
    }
    if (!ifn[0]) { msg("no network interface found"); close(s); return; }
    if (set_addr(s, ifn, SIOCSIFADDR, "10.0.2.15") < 0 ||
        set_addr(s, ifn, SIOCSIFNETMASK, "255.255.255.0") < 0 ||
        set_flags_up(s, ifn) < 0)
        msg("configuring %s failed: %s", ifn, strerror(errno));

    struct rtentry rt = {0};
    struct sockaddr_in *gw = (struct sockaddr_in *)&rt.rt_gateway;
    struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
    struct sockaddr_in *mask = (struct sockaddr_in *)&rt.rt_genmask;
    gw->sin_family = dst->sin_family = mask->sin_family = AF_INET;
    inet_pton(AF_INET, "10.0.2.2", &gw->sin_addr);
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    rt.rt_dev = ifn;
    if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST) msg("default route: %s", strerror(errno));
    close(s);

    const char *resolv = "nameserver 10.0.2.3\n";
    write_file("/etc/resolv.conf", resolv, strlen(resolv), 0644);
    char hosts[512];
    int n = snprintf(hosts, sizeof hosts, "127.0.0.1\tlocalhost\n10.0.2.15\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n", hostname);
    write_file("/etc/hosts", hosts, n, 0644);
    msg("network %s 10.0.2.15/24 gw 10.0.2.2 uptime=%.3f", ifn, uptime());
}

/* ---- data disk ---- */
enum disk_state { DISK_NONE, DISK_EXT, DISK_BLANK, DISK_OTHER };

static enum disk_state probe_disk(const char *dev) {
    int fd = -1;
    for (int tries = 0; tries < 200 && fd < 0; tries++) { /* virtio_blk probes asynchronously */
        fd = open(dev, O_RDONLY | O_CLOEXEC);
        if (fd < 0) usleep(5000);
    }
    if (fd < 0) return DISK_NONE;
    static unsigned char buf[65536];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    close(fd);
    if (n < 2048) return DISK_OTHER;
    if (buf[1080] == 0x53 && buf[1081] == 0xEF) return DISK_EXT;
    for (ssize_t i = 0; i < n; i++)
        if (buf[i]) return DISK_OTHER;
    return DISK_BLANK;
}

static pid_t spawn(char *const argv[]) {
    pid_t p = fork();
    if (p == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setsid();
        dup2(console, 1);
        dup2(console, 2);
        execv(argv[0], argv);
        msg("exec %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    return p;
}

/* Waits for one specific child; other children reaped meanwhile are ignored. */
static int wait_child(pid_t pid) {
    int st;
    for (;;) {
        pid_t r = waitpid(-1, &st, 0);
        if (r == pid) return st;
        if (r < 0 && errno != EINTR) return -1;
    }
}

/* ---- config ---- */
struct config {
    int iptables;
    char hostname[64];
    int nmounts;
    char *mount_tag[MAXMOUNTS];
    char *mount_path[MAXMOUNTS];
};

static void read_config(struct config *c) {
    c->iptables = 0;
    snprintf(c->hostname, sizeof c->hostname, "pcocc-docker");
    char *data = slurp(FWCFG "config/raw", NULL);
    if (!data) { msg("fw_cfg opt/pcocc/config missing, using defaults"); return; }
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\r' || line[l - 1] == ' ')) line[--l] = 0;
        if (!strncmp(line, "iptables=", 9)) {
            c->iptables = !strcmp(line + 9, "true") || !strcmp(line + 9, "1");
        } else if (!strncmp(line, "hostname=", 9) && line[9]) {
            snprintf(c->hostname, sizeof c->hostname, "%s", line + 9);
        } else if (!strncmp(line, "mount=", 6)) {
            char *tag = line + 6, *colon = strchr(tag, ':');
            if (!colon || colon[1] != '/' || c->nmounts >= MAXMOUNTS) { msg("bad config line: %s", line); continue; }
            *colon = 0;
            c->mount_tag[c->nmounts] = strdup(tag);
            c->mount_path[c->nmounts] = strdup(colon + 1);
            c->nmounts++;
        } else if (line[0] && line[0] != '#') {
            msg("ignoring config line: %s", line);
        }
    }
    free(data);
}

/* ---- PID 1 supervision ---- */
static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { (void)sig; stop_requested = 1; }

static void poweroff(void) {
    sync();
    reboot(RB_POWER_OFF);
    for (;;) pause();
}

int main(void) {
    if (getpid() != 1) { fprintf(stderr, "pcocc-init must run as PID 1\n"); return 1; }
    umask(022);
    do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    do_mount("dev", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0) console = fd;
    msg("started uptime=%.3f", uptime());
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    msg("clock uptime=%.3f realtime=%lld.%03ld", uptime(), (long long)rt.tv_sec, rt.tv_nsec / 1000000);
    setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
    setenv("HOME", "/root", 1);

    do_mount("sys", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);

    /* Page the big Go binaries in while we work (they are ~120 MB; faulting them in lazily
       while their runtime initialises is slower under TCG). pcocc.noreadahead on the kernel
       command line turns this off (for measurements). */
    char *cmdline = slurp("/proc/cmdline", NULL);
    int readahead_bins = !(cmdline && strstr(cmdline, "pcocc.noreadahead"));
    free(cmdline);
    if (readahead_bins && fork() == 0) {
        const char *warm[] = {"/usr/bin/containerd", "/usr/sbin/dockerd", NULL};
        for (int i = 0; warm[i]; i++) {
            int wfd = open(warm[i], O_RDONLY | O_CLOEXEC);
            if (wfd >= 0) { posix_fadvise(wfd, 0, 0, POSIX_FADV_WILLNEED); close(wfd); }
        }
        _exit(0);
    }

    /* Start formatting the data disk first: it runs while we do the rest. */
    enum disk_state ds = probe_disk(DATADEV);
    pid_t mkfs = 0;
    if (ds == DISK_BLANK) {
        /* Scratch disk of one VM: no journal, no resize reserve, nothing zeroed (~300 KiB written). */
        char *argv[] = {"/sbin/mkfs.ext4", "-q", "-F", "-m", "0", "-L", "pcocc-docker",
                        "-O", "^has_journal,^resize_inode", "-E", "nodiscard,lazy_itable_init=1", DATADEV, NULL};
        mkfs = spawn(argv);
    } else if (ds == DISK_NONE) {
        msg("no %s: docker data stays on the root disk", DATADEV);
    } else if (ds == DISK_OTHER) {
        msg("%s holds something that is not ext4: not formatting it, docker data stays on the root disk", DATADEV);
    }

    do_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=620,ptmxmode=666");
    do_mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    do_mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate");
    do_mount("run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    do_mount("tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    /* containerd starts now, in parallel with the rest; dockerd connects to it when ready. */
    char *containerd_argv[] = {"/usr/bin/containerd", "--config", "/etc/pcocc/containerd.toml", NULL};
    pid_t containerd = spawn(containerd_argv);

    symlink("/proc/self/fd", "/dev/fd");
    symlink("/proc/self/fd/0", "/dev/stdin");
    symlink("/proc/self/fd/1", "/dev/stdout");
    symlink("/proc/self/fd/2", "/dev/stderr");

    struct config cfg = {0};
    read_config(&cfg);
    if (sethostname(cfg.hostname, strlen(cfg.hostname)) < 0) msg("sethostname: %s", strerror(errno));
    write_file("/etc/hostname", cfg.hostname, strlen(cfg.hostname), 0644);

    mkdirs(TLSDIR, 0700);
    int tls_ok = copy_fwcfg("ca.pem", TLSDIR "/ca.pem", 0644) == 0;
    tls_ok &= copy_fwcfg("server-cert.pem", TLSDIR "/cert.pem", 0644) == 0;
    tls_ok &= copy_fwcfg("server-key.pem", TLSDIR "/key.pem", 0600) == 0;
    if (!tls_ok) msg("TLS material incomplete: dockerd will not start serving");

    setup_network(cfg.hostname);

    for (int i = 0; i < cfg.nmounts; i++) {
        mkdirs(cfg.mount_path[i], 0755);
        if (mount(cfg.mount_tag[i], cfg.mount_path[i], "9p", MS_NODEV | MS_NOSUID,
                  "trans=virtio,version=9p2000.L,msize=262144,cache=mmap,access=client") != 0)
            msg("9p mount %s on %s failed: %s", cfg.mount_tag[i], cfg.mount_path[i], strerror(errno));
    }

    if (mkfs) {
        int st = wait_child(mkfs);
        if (st == 0) ds = DISK_EXT;
        else msg("mkfs.ext4 %s failed (status %d)", DATADEV, st);
        msg("data disk formatted uptime=%.3f", uptime());
    }
    mkdirs(DOCKERDIR, 0710);
    if (ds == DISK_EXT && mount(DATADEV, DOCKERDIR, "ext4", MS_NOATIME, "noinit_itable") != 0)
        msg("mount %s on %s failed: %s", DATADEV, DOCKERDIR, strerror(errno));

    /* dockerd */
    char iptables[32], ipmasq[32];
    snprintf(iptables, sizeof iptables, "--iptables=%s", cfg.iptables ? "true" : "false");
    snprintf(ipmasq, sizeof ipmasq, "--ip-masq=%s", cfg.iptables ? "true" : "false");
    char *argv[] = {"/usr/sbin/dockerd",
                    "--tlsverify",
                    "--tlscacert=" TLSDIR "/ca.pem",
                    "--tlscert=" TLSDIR "/cert.pem",
                    "--tlskey=" TLSDIR "/key.pem",
                    "-H", "tcp://0.0.0.0:2376",
                    "-H", "unix:///run/docker.sock",
                    iptables, ipmasq,
                    "--storage-driver=overlay2",
                    "--exec-root=/run/docker",
                    "--data-root=" DOCKERDIR,
                    "--containerd=/run/containerd/containerd.sock",
                    NULL};
    if (chdir("/") != 0) { /* cannot happen */ }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGPWR, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    reboot(RB_DISABLE_CAD); /* Ctrl-Alt-Del sends SIGINT to PID 1 */

    msg("dockerd exec uptime=%.3f", uptime());
    pid_t dockerd = fork();
    if (dockerd == 0) {
        setsid();
        dup2(console, 0); dup2(console, 1); dup2(console, 2);
        execv(argv[0], argv);
        msg("exec dockerd: %s", strerror(errno));
        _exit(127);
    }

    /* PID 1: reap everything; stop dockerd on request; power off when it is gone. */
    int signalled = 0;
    double deadline = 0;
    for (;;) {
        int st;
        pid_t r = waitpid(-1, &st, 0);
        if (r == dockerd) {
            if (WIFEXITED(st)) msg("dockerd exited with status %d", WEXITSTATUS(st));
            else msg("dockerd killed by signal %d", WTERMSIG(st));
            break;
        }
        if (r == containerd && !stop_requested) {
            msg("containerd exited (status %d), restarting it", st);
            sleep(1);
            containerd = spawn(containerd_argv);
            continue;
        }
        if (r < 0 && errno == ECHILD) break;
        if (stop_requested && !signalled) {
            msg("stopping dockerd");
            kill(dockerd, SIGTERM);
            signalled = 1;
            deadline = uptime() + 15;
            alarm(16);
        } else if (signalled && uptime() > deadline) {
            kill(dockerd, SIGKILL);
        }
    }
    kill(-1, SIGTERM);
    usleep(200000);
    kill(-1, SIGKILL);
    umount2(DOCKERDIR, MNT_DETACH);
    msg("powering off");
    poweroff();
    return 0;
}
