/*
 * pcocc-init: PID 1 of the pcocc-docker guest VM.
 *
 * Does the minimum needed before dockerd can serve, without forking shells: API filesystems and
 * cgroup2, settings from QEMU fw_cfg, the slirp network (and NAT for containers), the data disk
 * /dev/vdb on /var/lib/docker (mkfs.ext4 in parallel when blank), then dockerd on its local socket.
 * Once dockerd answers, it starts the TLS terminator (daemon.c), waits for the job on the job disk
 * /dev/vdc (job.c: TLS files, clock, random state, 9p shares), and releases the terminator with the
 * job's TLS files. It stays PID 1: it reaps every
 * orphan (so no tini is needed), forwards SIGTERM/SIGINT to dockerd, restarts containerd and the
 * terminator if they die, and powers the VM off when dockerd exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

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

/* Starts formatting a blank data disk (it runs while the init does the rest). */
static pid_t start_mkfs(enum disk_state ds) {
    if (ds == DISK_BLANK) {
        /* Scratch disk of one VM: no journal, no resize reserve, nothing zeroed (~300 KiB written). */
        char *argv[] = {"/sbin/mkfs.ext4", "-q", "-F", "-m", "0", "-L", "pcocc-docker",
                        "-O", "^has_journal,^resize_inode", "-E", "nodiscard,lazy_itable_init=1", DATADEV, NULL};
        return spawn(argv);
    }
    if (ds == DISK_NONE) msg("no %s: docker data stays on the root disk", DATADEV);
    if (ds == DISK_OTHER) msg("%s holds something that is not ext4: not formatting it, docker data stays on the root disk", DATADEV);
    return 0;
}

/* Loads in one background modprobe the modules dockerd (and the NAT rule) would otherwise have the
   kernel load one by one, each through a new modprobe process, while dockerd waits: overlay for the
   graph driver, xfrm_user and nf_conntrack_netlink for libnetwork, bridge for docker0, veth for
   containers. Under TCG each costs tenths of a second; here they load while dockerd's Go runtime
   starts on the other vCPU. */
static void preload_modules(void) {
    /* Not the NAT modules (nf_tables, nft_chain_nat...): iptables loads them in the NAT helper, only with nat. */
    char *base[] = {"/usr/sbin/modprobe", "-a", "-q", "overlay", "xfrm_user", "nf_conntrack_netlink", "bridge", "veth",
                    NULL};
    spawn(base);
}

/* Loads docker's default container profile before dockerd starts: dockerd finds it loaded and skips its own
   apparmor_parser run, about a second on its way to ready under TCG. The image has it compiled (build-guest-image.sh):
   one write to .replace. Compiled here, in the background, only when the kernel refuses the binary. Nothing to do
   when the kernel runs without AppArmor. */
static void load_apparmor_profile(void) {
    const char *replace = "/sys/kernel/security/apparmor/.replace";
    if (access(replace, F_OK) != 0) return;
    size_t len = 0;
    char *policy = slurp("/etc/pcocc/docker-default.bin", &len);
    if (policy && len > 0) {
        /* The kernel takes a policy in one write (not write_file's loop, nor its chmod of the target). */
        int fd = open(replace, O_WRONLY | O_CLOEXEC);
        ssize_t written = fd >= 0 ? write(fd, policy, len) : -1;
        int error = errno;
        if (fd >= 0) close(fd);
        if (written == (ssize_t)len) { free(policy); return; }
        msg("the kernel refused the compiled docker-default profile (%s): compiling it", strerror(error));
    }
    free(policy);
    char *argv[] = {"/usr/sbin/apparmor_parser", "--replace", "--skip-cache", "--quiet", "/etc/pcocc/docker-default", NULL};
    spawn(argv);
}

/* Pages the big Go binaries in while the init works (faulting them in lazily while their runtime
   initialises is slower under TCG). pcocc.noreadahead on the kernel command line turns this off. */
static void readahead_binaries(void) {
    char *cmdline = slurp("/proc/cmdline", NULL);
    int off = cmdline && strstr(cmdline, "pcocc.noreadahead");
    free(cmdline);
    if (off || fork() != 0) return;
    /* The TLS terminator's libraries too: a saved guest then has them in memory when the first job's client comes. */
    const char *warm[] = {"/usr/bin/containerd", "/usr/sbin/dockerd", "/usr/sbin/pcocc-tls",
                          "/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
                          "/usr/sbin/runc", "/usr/bin/tini-static", NULL};
    for (int i = 0; warm[i]; i++) {
        int fd = open(warm[i], O_RDONLY | O_CLOEXEC);
        if (fd >= 0) { posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED); close(fd); }
    }
    _exit(0);
}

volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { (void)sig; stop_requested = 1; }

static void poweroff(void) {
    sync();
    reboot(RB_POWER_OFF);
    for (;;) pause();
}

/* containerd, restarted whenever it dies until a stop is asked for. */
static char *containerd_argv[] = {"/usr/bin/containerd", "--config", "/etc/pcocc/containerd.toml", NULL};
static pid_t containerd;

static void restart_containerd(int status) {
    msg("containerd exited (status %d), restarting it", status);
    sleep(1);
    containerd = spawn(containerd_argv);
}

int restart_if_containerd(pid_t pid, int status) {
    if (pid != containerd) return 0;
    if (!stop_requested) restart_containerd(status);
    return 1;
}

int reap_while_waiting(pid_t dockerd) {
    int st, gone = 0;
    pid_t r;
    while ((r = waitpid(-1, &st, WNOHANG)) > 0) {
        if (r == dockerd) gone = 1;
        else if (restart_if_containerd(r, st)) continue;
        else if (r == tls_terminator) {
            msg("the TLS terminator exited (status %d) before the job", st);
            tls_terminator = 0;
        }
    }
    return gone;
}

/* PID 1 from here on: reap everything, stop dockerd on request, power off when it is gone (dockerd -1: already). */
static void supervise(pid_t dockerd) {
    int signalled = 0;
    double deadline = 0;
    while (dockerd > 0) {
        if (stop_requested && !signalled) {
            msg("stopping dockerd");
            kill(dockerd, SIGTERM);
            signalled = 1;
            deadline = uptime() + 15;
            alarm(16);
        }
        int st;
        pid_t r = waitpid(-1, &st, 0);
        if (r == dockerd) {
            if (WIFEXITED(st)) msg("dockerd exited with status %d", WEXITSTATUS(st));
            else msg("dockerd killed by signal %d", WTERMSIG(st));
            break;
        }
        if (restart_if_containerd(r, st)) continue;
        if (r == tls_terminator && tls_terminator > 0 && !stop_requested) {
            msg("the TLS terminator exited (status %d), restarting it", st);
            sleep(1);
            tls_terminator = 0;
            /* Without it the job has no way in: power off, so that the VM step ends and says so. */
            if (release_tls_terminator() != 0) stop_requested = 1;
            continue;
        }
        if (r < 0 && errno == ECHILD) break;
        if (signalled && uptime() > deadline) kill(dockerd, SIGKILL);
    }
    kill(-1, SIGTERM);
    usleep(200000);
    kill(-1, SIGKILL);
    umount2(DOCKERDIR, MNT_DETACH);
    msg("powering off");
    poweroff();
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
    readahead_binaries();
    enum disk_state ds = probe_disk(DATADEV);
    pid_t mkfs = start_mkfs(ds);

    do_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=620,ptmxmode=666");
    do_mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    do_mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate");
    do_mount("securityfs", "/sys/kernel/security", "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    load_apparmor_profile();
    do_mount("run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    do_mount("tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    /* containerd starts now, in parallel with the rest; dockerd connects to it when ready. */
    containerd = spawn(containerd_argv);

    symlink("/proc/self/fd", "/dev/fd");
    symlink("/proc/self/fd/0", "/dev/stdin");
    symlink("/proc/self/fd/1", "/dev/stdout");
    symlink("/proc/self/fd/2", "/dev/stderr");

    struct config cfg = {0};
    read_config(&cfg);
    preload_modules();
    if (sethostname(cfg.hostname, strlen(cfg.hostname)) < 0) msg("sethostname: %s", strerror(errno));
    write_file("/etc/hostname", cfg.hostname, strlen(cfg.hostname), 0644);

    const char *nic = setup_network(&cfg);
    pid_t nat = setup_nat(&cfg, nic);

    if (mkfs) {
        int st = wait_child(mkfs);
        if (st == 0) ds = DISK_EXT;
        else msg("mkfs.ext4 %s failed (status %d)", DATADEV, st);
        msg("data disk formatted uptime=%.3f", uptime());
    }
    mkdirs(DOCKERDIR, 0710);
    /* A persistent disk outlives a VM killed mid-write. dockerd does not fsync what it extracts, so with ext4's
       default data=ordered a killed pull could leave a layer registered whose files never reached the disk;
       data=journal commits data and metadata in order, so what survives is a prefix of what dockerd did. */
    const char *options = cfg.persistent_data_disk ? "noinit_itable,data=journal" : "noinit_itable";
    if (ds == DISK_EXT && mount(DATADEV, DOCKERDIR, "ext4", MS_NOATIME, options) != 0)
        msg("mount %s on %s failed: %s", DATADEV, DOCKERDIR, strerror(errno));

    finish_network(&cfg, nic, nat);
    char **argv = dockerd_argv(&cfg);
    if (!argv) { msg("out of memory building dockerd's arguments"); poweroff(); }
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
    /* Until here nothing is the job's: a guest saved while it waits below can serve any job of its shape. */
    int waited = wait_for_daemon(dockerd);
    if (waited == 0) {
        start_tls_terminator();
        msg("waiting for the job uptime=%.3f", uptime());
        waited = wait_for_job(dockerd);
        if (waited == 0 && release_tls_terminator() != 0) waited = -3;
        if (waited == 0) msg("job ready uptime=%.3f", uptime());
    }
    if (waited == -2) dockerd = -1;
    /* A job without its TLS files cannot be served: powering off ends the VM step at once, with the console. */
    if (waited == -3) stop_requested = 1;
    supervise(dockerd);
    return 0;
}
