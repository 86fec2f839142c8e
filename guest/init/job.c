/* The job's part of the guest (docs/CONTRACTS.md, "Job disk"): read from the job disk /dev/vdc once the daemon
   is up, so that a guest saved at that point and restored later gets the job's files then. The host writes the
   record when it starts or restores the VM; the init polls the disk, bypassing the page cache, until the record
   is there and whole, then sets the clock, reseeds the kernel's random state, writes the TLS files to tmpfs,
   mounts the 9p shares and starts the TLS terminator in front of dockerd's socket. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

/* POSIX cksum (CRC-32, polynomial 0x04C11DB7, the length appended): what `cksum` prints, so scripts can write
   a record too. */
uint32_t posix_cksum(const unsigned char *data, size_t len) {
    uint32_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint32_t)data[i] << 24;
        for (int b = 0; b < 8; b++) crc = crc & 0x80000000u ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
    for (size_t n = len; n; n >>= 8) {
        crc ^= (uint32_t)(n & 0xff) << 24;
        for (int b = 0; b < 8; b++) crc = crc & 0x80000000u ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
    return ~crc;
}

/* The record's body when the disk holds a whole one ("pcocc-job 1 <length> <cksum>\n" in the first sector, the
   body from the second), else NULL. */
static char *read_record(int fd, size_t *body_len) {
    static unsigned char *buf;
    if (!buf && posix_memalign((void **)&buf, 4096, JOB_DISK_BYTES) != 0) return NULL;
    if (pread(fd, buf, 512, 0) != 512) return NULL;
    unsigned long len, sum;
    int version;
    char line[80];
    memcpy(line, buf, sizeof line - 1);
    line[sizeof line - 1] = 0;
    if (sscanf(line, "pcocc-job %d %lu %lu\n", &version, &len, &sum) != 3) return NULL;
    if (version != 1 || len > JOB_DISK_BYTES - 512) {
        static int said;
        if (!said++) msg("job disk: record version %d of %lu bytes not understood", version, len);
        return NULL;
    }
    size_t span = (len + 511) & ~(size_t)511;
    if (span && pread(fd, buf + 512, span, 512) != (ssize_t)span) return NULL;
    if (posix_cksum(buf + 512, len) != sum) return NULL; /* still being written */
    char *body = malloc(len + 1);
    if (!body) return NULL;
    memcpy(body, buf + 512, len);
    body[len] = 0;
    *body_len = len;
    return body;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The host's random bytes go into the kernel's pool, then every CRNG (the kernel's and the vDSO states of
   processes saved with the guest) is reseeded: two guests restored from one saved state diverge from here. */
static void reseed(const char *hex) {
    struct {
        int entropy_count, buf_size;
        unsigned char buf[128];
    } in = {0};
    size_t n = 0;
    while (n < sizeof in.buf && hexval(hex[2 * n]) >= 0 && hexval(hex[2 * n + 1]) >= 0) {
        in.buf[n] = (unsigned char)(hexval(hex[2 * n]) << 4 | hexval(hex[2 * n + 1]));
        n++;
    }
    in.buf_size = (int)n;
    in.entropy_count = (int)n * 8;
    int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ioctl(fd, RNDADDENTROPY, &in) != 0 || ioctl(fd, RNDRESEEDCRNG) != 0)
        msg("reseeding the kernel's random state failed: %s", strerror(errno));
    else
        msg("random state reseeded with %zu bytes from the host", n);
    if (fd >= 0) close(fd);
}

/* The host's clock when it wrote the record. A guest that booted has read the RTC and is at least as late; a
   restored one is as late as when it was saved, and is put forward. */
static void set_clock(const char *value) {
    long long sec = 0;
    long nsec = 0;
    if (sscanf(value, "%lld.%ld", &sec, &nsec) < 1) return;
    struct timespec now, host = {.tv_sec = sec, .tv_nsec = nsec};
    clock_gettime(CLOCK_REALTIME, &now);
    if (host.tv_sec > now.tv_sec || (host.tv_sec == now.tv_sec && host.tv_nsec > now.tv_nsec)) {
        if (clock_settime(CLOCK_REALTIME, &host) != 0) msg("setting the clock failed: %s", strerror(errno));
        else msg("clock set forward by %.3f s", (host.tv_sec - now.tv_sec) + (host.tv_nsec - now.tv_nsec) / 1e9);
    }
}

static void mount_share(const char *value) {
    const char *colon = strchr(value, ':');
    if (!colon || colon == value || colon[1] != '/') { msg("job disk: bad mount=%s", value); return; }
    char *tag = strndup(value, colon - value);
    mkdirs(colon + 1, 0755);
    if (mount(tag, colon + 1, "9p", MS_NODEV | MS_NOSUID,
              "trans=virtio,version=9p2000.L,msize=262144,cache=mmap,access=client") != 0)
        msg("9p mount %s on %s failed: %s", tag, colon + 1, strerror(errno));
    free(tag);
}

/* Applies one record; returns how many of the three TLS files it wrote. */
static int apply(char *body, size_t len) {
    int tls = 0;
    char *p = body, *end = body + len;
    while (p < end) {
        char *nl = memchr(p, '\n', end - p);
        if (!nl) nl = end;
        *nl = 0;
        const char *v;
        if (strncmp(p, "file ", 5) == 0) {
            /* "file NAME LENGTH", then LENGTH bytes: anything malformed ends the record, lest the file's bytes be
               read as lines. */
            char *name = p + 5, *space = strchr(name, ' '), *digits_end = NULL;
            unsigned long size = 0;
            if (space) {
                *space = 0;
                errno = 0;
                size = strtoul(space + 1, &digits_end, 10);
            }
            size_t avail = nl < end ? (size_t)(end - nl - 1) : 0;
            if (!space || space == name || space[1] < '0' || space[1] > '9' || errno || !digits_end || *digits_end ||
                nl == end || size > avail) {
                msg("job disk: malformed or cut-short file entry: ignoring the rest of the record");
                break;
            }
            char *data = nl + 1;
            mode_t mode = strcmp(name, "key.pem") == 0 ? 0600 : 0644;
            if (!strcmp(name, "ca.pem") || !strcmp(name, "cert.pem") || !strcmp(name, "key.pem")) {
                char path[128];
                snprintf(path, sizeof path, JOB_TLSDIR "/%s", name);
                if (write_file(path, data, size, mode) == 0) tls++;
            } else {
                msg("job disk: ignoring file %s", name);
            }
            p = data + size;
            if (p < end && *p == '\n') p++;
            continue;
        }
        if ((v = strncmp(p, "time=", 5) == 0 ? p + 5 : NULL)) set_clock(v);
        else if ((v = strncmp(p, "entropy=", 8) == 0 ? p + 8 : NULL)) reseed(v);
        else if ((v = strncmp(p, "mount=", 6) == 0 ? p + 6 : NULL)) mount_share(v);
        else if ((v = strncmp(p, "hostname=", 9) == 0 ? p + 9 : NULL)) {
            if (v[0] && sethostname(v, strlen(v)) != 0) msg("sethostname: %s", strerror(errno));
        } else if (p[0]) msg("job disk: ignoring line %s", p);
        p = nl + 1;
    }
    return tls;
}

int wait_for_job(pid_t dockerd) {
    int fd = -1;
    for (int tries = 0; tries < 200 && fd < 0; tries++) {
        fd = open(JOBDEV, O_RDONLY | O_DIRECT | O_CLOEXEC);
        if (fd < 0) usleep(5000);
    }
    if (fd < 0) { msg("no job disk %s: stopping", JOBDEV); return -3; }
    size_t len = 0;
    char *body;
    while (!(body = read_record(fd, &len))) {
        if (reap_while_waiting(dockerd)) { msg("dockerd exited while waiting for the job"); close(fd); return -2; }
        if (stop_requested) { close(fd); return -1; }
        usleep(JOB_POLL_USEC);
    }
    close(fd);
    msg("job found uptime=%.3f", uptime());
    mkdirs(JOB_TLSDIR, 0700);
    int tls = apply(body, len);
    free(body);
    if (tls != 3) { msg("job disk: %d of the 3 TLS files: stopping", tls); return -3; }
    return 0;
}
