/* Small helpers of pcocc-init: console messages, mounts, whole-file I/O, child processes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

int console = 2;

double uptime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

void msg(const char *fmt, ...) {
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

void do_mount(const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
    mkdir(dst, 0755);
    if (mount(src, dst, type, flags, data) != 0 && errno != EBUSY)
        msg("mount %s on %s (%s) failed: %s", src, dst, type, strerror(errno));
}

void mkdirs(const char *path, mode_t mode) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') { *p = 0; mkdir(tmp, 0755); *p = '/'; }
    mkdir(tmp, mode);
}

/* Reads a whole small file; returns a malloc'd NUL-terminated buffer or NULL. */
char *slurp(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) { close(fd); return NULL; }
        if (n == cap) {
            char *bigger = realloc(buf, (cap *= 2) + 1);
            if (!bigger) { free(buf); close(fd); return NULL; }
            buf = bigger;
        }
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

int write_file(const char *path, const char *data, size_t len, mode_t mode) {
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

pid_t spawn_with_fd3(char *const argv[], int fd) {
    pid_t p = fork();
    if (p == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setsid();
        dup2(console, 1);
        dup2(console, 2);
        /* Open across the exec: dup2 clears close-on-exec, except onto itself. */
        if (fd == 3) fcntl(3, F_SETFD, 0);
        else if (fd >= 0 && dup2(fd, 3) < 0) _exit(127);
        execv(argv[0], argv);
        msg("exec %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    return p;
}

pid_t spawn(char *const argv[]) { return spawn_with_fd3(argv, -1); }

/* Children reaped while waiting for another, kept for the wait_child that asks for them (the NAT helper often
   ends while the init waits for mkfs). */
static struct { pid_t pid; int status; } reaped[32];

/* Waits for one specific child; other children reaped meanwhile are kept for their own wait_child. */
int wait_child(pid_t pid) {
    for (size_t i = 0; i < sizeof reaped / sizeof reaped[0]; i++)
        if (reaped[i].pid == pid) { reaped[i].pid = 0; return reaped[i].status; }
    int st;
    for (;;) {
        pid_t r = waitpid(-1, &st, 0);
        if (r == pid) return st;
        if (r < 0 && errno != EINTR) return -1;
        if (r > 0 && restart_if_containerd(r, st)) continue;
        for (size_t i = 0; r > 0 && i < sizeof reaped / sizeof reaped[0]; i++)
            if (reaped[i].pid == 0) { reaped[i].pid = r; reaped[i].status = st; break; }
    }
}
