/* dockerd's two ends in the guest: its local socket, polled until the daemon answers, and the TLS terminator that
   serves the job on port 2376. dockerd reads its TLS settings once, at start, and the guest may be saved before any
   job exists (docs/CONTRACTS.md, "Saved guests"): so dockerd listens on /run/docker.sock only, and pcocc-tls
   (guest/tls) does the mutual TLS with the job's files and hands each connection to that socket. It is started
   before the guest waits for its job, so that a restored guest has it running already (under emulation its exec and
   OpenSSL's start took 0.9 s after a restore), and released once the job's files are in. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
static int go_pipe = -1;

pid_t start_tls_terminator(void) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) { msg("pipe: %s", strerror(errno)); return 0; }
    char *argv[] = {"/usr/sbin/pcocc-tls", DOCKER_TLS_PORT, JOB_TLSDIR, DOCKER_SOCKET, NULL};
    pid_t pid = spawn_with_fd3(argv, p[0]);
    close(p[0]);
    if (pid < 0) { msg("fork: %s", strerror(errno)); close(p[1]); return 0; }
    if (go_pipe >= 0) close(go_pipe);
    go_pipe = p[1];
    tls_terminator = pid;
    return pid;
}

int release_tls_terminator(void) {
    /* One that died while the guest waited (reaped meanwhile, or its pipe broken) is started again. */
    if (tls_terminator > 0 && go_pipe >= 0 && write(go_pipe, "g", 1) == 1) {
        close(go_pipe);
        go_pipe = -1;
        return 0;
    }
    msg("the TLS terminator is gone, starting it again");
    if (start_tls_terminator() <= 0 || write(go_pipe, "g", 1) != 1) {
        msg("the TLS terminator cannot be started");
        return -1;
    }
    close(go_pipe);
    go_pipe = -1;
    return 0;
}
