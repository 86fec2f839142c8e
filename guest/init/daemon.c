/* dockerd's two ends in the guest: its local socket, polled until the daemon answers, and the TLS terminator that
   serves the job on port 2376. dockerd reads its TLS settings once, at start, and the guest may be saved before any
   job exists (docs/CONTRACTS.md, "Saved guests"): so dockerd listens on /run/docker.sock only, and pcocc-tls
   (guest/tls) does the mutual TLS with the job's files and hands each connection to that socket. It is started
   before the guest waits for its job, so that a restored guest has it running already (under emulation its exec and
   OpenSSL's start took 0.9 s after a restore), and released once the job's files are in. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

/* One GET /_ping on dockerd's socket: 1 when it answers 200. */
static int ping(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", DOCKER_SOCKET);
    int ok = 0;
    const char request[] = "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        write(fd, request, sizeof request - 1) == (ssize_t)sizeof request - 1) {
        char reply[64] = {0};
        ssize_t n = read(fd, reply, sizeof reply - 1);
        ok = n > 12 && strncmp(reply, "HTTP/1.", 7) == 0 && strncmp(reply + 9, "200", 3) == 0;
    }
    close(fd);
    return ok;
}

int wait_for_daemon(pid_t dockerd) {
    while (!ping()) {
        if (reap_while_waiting(dockerd)) { msg("dockerd exited before answering"); return -2; }
        if (stop_requested) return -1;
        usleep(DAEMON_POLL_USEC);
    }
    return 0;
}

pid_t tls_terminator;
/* The init's end of the socket pair the terminator has as fd 3: it says "r" once it listens, the init says "g" once
   the job's files are in, it says "k" once it serves with them. */
static int control = -1;

/* One byte from the terminator within `seconds`: 1 when it is `want`; 0 when it exited (EOF) or stays silent. */
static int await_byte(char want, int seconds) {
    struct pollfd p = {.fd = control, .events = POLLIN};
    for (int waited = 0; waited < seconds * 20; waited++) {
        if (poll(&p, 1, 50) > 0) {
            char c = 0;
            ssize_t n = read(control, &c, 1);
            return n == 1 && c == want;
        }
        if (stop_requested) return 0;
    }
    return 0;
}

static void close_control(void) {
    if (control >= 0) close(control);
    control = -1;
}

pid_t start_tls_terminator(void) {
    close_control();
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) { msg("socketpair: %s", strerror(errno)); return 0; }
    char *argv[] = {"/usr/sbin/pcocc-tls", DOCKER_TLS_PORT, JOB_TLSDIR, DOCKER_SOCKET, NULL};
    pid_t pid = spawn_with_fd3(argv, pair[1]);
    close(pair[1]);
    control = pair[0];
    if (pid < 0) { msg("fork: %s", strerror(errno)); close_control(); return 0; }
    tls_terminator = pid;
    /* Waited for, so that a guest saved from here on has it listening and blocked on the socket pair: under TCG its
       exec and OpenSSL's start would otherwise come after the restore. */
    if (!await_byte('r', 30)) msg("the TLS terminator did not start listening");
    return pid;
}

/* Sends "g" and waits for "k": 1 when the terminator serves with the job's files. */
static int go(void) {
    return tls_terminator > 0 && control >= 0 && send(control, "g", 1, MSG_NOSIGNAL) == 1 && await_byte('k', 30);
}

int release_tls_terminator(void) {
    /* One that died while the guest waited (reaped meanwhile, or its socket closed) is started again. */
    int served = go();
    if (!served) {
        /* Reaped ones were reported already. */
        if (tls_terminator > 0) msg("the TLS terminator did not take the job's files, starting it again");
        served = start_tls_terminator() > 0 && go();
    }
    close_control();
    if (!served) msg("the TLS terminator cannot serve with the job's TLS files");
    return served ? 0 : -1;
}
