/*
 * pcocc-tls: the guest's TLS terminator in front of dockerd's socket (docs/CONTRACTS.md, "Job disk").
 *
 *   pcocc-tls PORT TLSDIR SOCKET     (fd 3: a socket to the init)
 *
 * It is started before the guest may be saved, so that what costs most after a restore under emulation (exec,
 * dynamic linking, OpenSSL's initialisation, the listening socket) is done already. On fd 3 it says "r" once it
 * listens on PORT, then waits for "g", which the init sends once the job's files are in TLSDIR (cert.pem, key.pem,
 * ca.pem). Only then does it read them and draw random numbers: a saved guest holds no key and no random state of
 * OpenSSL's. It says "k" once it serves with them (it exits if it cannot). Connections that came meanwhile wait in
 * the listen queue. Each connection is served by a child: a mutual-TLS handshake (a client certificate signed by
 * the job's CA is required), then bytes both ways to SOCKET. When one side ends its half (close_notify or EOF), the
 * other side's write half is shut and the other direction flows on until it ends too: `docker run -i` sends the
 * end of its input and still reads the container's output. A reset ends both.
 *
 * Built by scripts/build-guest-image.sh against the host's OpenSSL 3 headers; it runs with the guest's libssl.so.3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define INIT_FD 3
#define MAX_CHILDREN 256
/* A client that connects and never finishes its handshake holds a child this long at most. */
#define HANDSHAKE_SECONDS 10

static void fail(const char *what) {
    fprintf(stderr, "pcocc-tls: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void fail_tls(const char *what) {
    fprintf(stderr, "pcocc-tls: %s: ", what);
    ERR_print_errors_fp(stderr);
    fputc('\n', stderr);
    exit(1);
}

static int listen_on(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) fail("bind");
    if (listen(fd, 128) != 0) fail("listen");
    return fd;
}

/* The server context with the job's files: TLS 1.2 at least, the client's certificate required and checked against
   the job's CA, no session resumption (no tickets to encrypt, no cache: each connection is served by its own child). */
static SSL_CTX *job_context(const char *dir) {
    char cert[256], key[256], ca[256];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) fail_tls("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* A client that ends its half with a TCP FIN but no close_notify is half-closing too, not failing. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) fail_tls(cert);
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) fail_tls(key);
    if (SSL_CTX_check_private_key(ctx) != 1) fail_tls("the key does not match the certificate");
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) fail_tls(ca);
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
    if (names) SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return ctx;
}

static int connect_daemon(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One client: handshake, then relay until both directions have ended (or either fails). */
static void serve(SSL_CTX *ctx, int client, const char *socket_path) {
    SSL *ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, client) != 1) _exit(1);
    alarm(HANDSHAKE_SECONDS);
    if (SSL_accept(ssl) != 1) _exit(0); /* no or a stranger's certificate: refused */
    alarm(0);
    int daemon = connect_daemon(socket_path);
    if (daemon < 0) _exit(1);
    int client_open = 1, daemon_open = 1;
    char buf[65536];
    while (client_open || daemon_open) {
        /* A side that has ended is not read any more; a client that ended its half is still watched for a reset,
           which poll reports whatever the events asked for. */
        struct pollfd fds[2] = {{.fd = client, .events = client_open ? POLLIN : 0},
                                {.fd = daemon_open ? daemon : -1, .events = POLLIN}};
        /* Bytes OpenSSL already decrypted are not seen by poll. */
        int pending = client_open && SSL_pending(ssl) > 0;
        if (!pending && poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (!client_open && (fds[0].revents & (POLLERR | POLLHUP))) break;
        if (client_open && (pending || fds[0].revents)) {
            int n = SSL_read(ssl, buf, sizeof buf);
            if (n > 0) {
                if (write_all(daemon, buf, (size_t)n) != 0) break;
            } else {
                int error = SSL_get_error(ssl, n);
                if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) continue;
                if (error != SSL_ERROR_ZERO_RETURN) break; /* a reset or a TLS error */
                /* The client ended its half: dockerd sees the end of the request body or stream. */
                client_open = 0;
                shutdown(daemon, SHUT_WR);
            }
        }
        if (daemon_open && fds[1].revents) {
            ssize_t n = read(daemon, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n > 0) {
                if (SSL_write(ssl, buf, (int)n) <= 0) break;
            } else {
                daemon_open = 0;
                SSL_shutdown(ssl); /* close_notify, then the end of the TCP stream's write half */
                shutdown(client, SHUT_WR);
                /* A client that already ended its half has nothing more to say. */
                if (!client_open) break;
            }
        }
    }
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: pcocc-tls PORT TLSDIR SOCKET (fd 3: a socket to the init)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
    int listener = listen_on(atoi(argv[1]));

    if (send(INIT_FD, "r", 1, MSG_NOSIGNAL) != 1) fail("telling the init");
    char go = 0;
    ssize_t n;
    while ((n = read(INIT_FD, &go, 1)) < 0 && errno == EINTR) {}
    if (n != 1 || go != 'g') {
        fprintf(stderr, "pcocc-tls: the init closed its socket without a job\n");
        return 1;
    }
    SSL_CTX *ctx = job_context(argv[2]);
    if (send(INIT_FD, "k", 1, MSG_NOSIGNAL) != 1) fail("telling the init");
    close(INIT_FD);

    int children = 0;
    for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0) children--;
        if (children >= MAX_CHILDREN && waitpid(-1, NULL, 0) > 0) children--;
        int client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EBADF || errno == EINVAL || errno == ENOTSOCK || errno == EFAULT) fail("accept");
            /* The rest (a connection that went, no memory or descriptors for now) passes. */
            if (errno != EINTR && errno != ECONNABORTED) usleep(100000);
            continue;
        }
        pid_t child = fork();
        if (child == 0) {
            close(listener);
            serve(ctx, client, argv[3]);
        }
        if (child > 0) children++;
        close(client);
    }
}
