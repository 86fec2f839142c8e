/* dockerd's two ends in the guest: its local socket, polled until the daemon answers, and the TLS terminator that
   serves the job on port 2376. dockerd reads its TLS settings once, at start, and the guest may be saved before any
   job exists (docs/CONTRACTS.md, "Saved guests"): so dockerd listens on /run/docker.sock only, and socat, started
   with the job's files, does the mutual TLS and hands each connection to that socket. */
#define _GNU_SOURCE
#include <errno.h>
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

pid_t start_tls_terminator(void) {
    /* verify=1 with cafile: a client certificate signed by the job's CA is required (socat fails the handshake
       without one). -t: after the client half-closes (docker run -i at the end of its input) the container's
       output still flows back for as long as it runs, so the other direction is given a day, not 0.5 s. */
    char *argv[] = {"/usr/bin/socat", "-t", "86400",
                    "OPENSSL-LISTEN:" DOCKER_TLS_PORT ",reuseaddr,fork,max-children=256,verify=1,cert=" JOB_TLSDIR "/cert.pem,key=" JOB_TLSDIR
                    "/key.pem,cafile=" JOB_TLSDIR "/ca.pem",
                    "UNIX-CONNECT:" DOCKER_SOCKET, NULL};
    return spawn(argv);
}
