/*
 * walk: lists a directory tree, one line per entry, for the differential conversion test: the same static binary
 * walks the image inside the docker VM (docker's view) and our squashfs mounted on the host (ours).
 *
 *   walk ROOT [EXCLUDED_PATH...]
 *   walk --overlays [EXCLUDED_PATH...] < SPECS
 *
 * The second form runs in a privileged container that sees the daemon's /var/lib/docker: each line of SPECS is
 * "NAME<TAB>LOWERDIRS" (an image's layer directories, top first, as `docker image inspect` gives them); each image is
 * mounted the way docker mounts a container's root (overlayfs, index=off, an empty upper directory on a tmpfs at
 * /scratch) and walked, after a line "== NAME" (or "== NAME error: ..." when it cannot be mounted). Nothing is
 * mounted inside those: only the excluded paths are skipped (lower files have their layer's st_dev there).
 *
 * Line: PATH TYPE MODE UID GID SIZE MTIME INODE SHA256 TARGET RDEV XATTRS, tab-separated; PATH is "/" for ROOT and
 * "/a/b" below it; bytes outside 0x21..0x7e and '\' are written \xHH. TYPE is f d l c b p s; MODE the 07777 bits in
 * octal; SIZE, SHA256 only for regular files; TARGET only for symbolic links; RDEV "MAJOR,MINOR" for devices; XATTRS
 * "name=hexvalue" joined by ',' in name order ('-' when empty; "name=!ERRNO" when listed but unreadable). Mount
 * points (another st_dev than ROOT's) and the excluded paths are skipped with their subtrees; a name listed that
 * does not exist (an overlayfs whiteout) is left out. Exit status 1 with a message on stderr when anything cannot be
 * read.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* --- SHA-256 (FIPS 180-4) ---------------------------------------------------------------------------------------- */

typedef struct {
    uint32_t h[8];
    uint64_t length;
    unsigned char block[64];
    size_t used;
} sha256;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(sha256 *s, const unsigned char *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; ++i) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; ++i) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d; s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha256_init(sha256 *s) {
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof(h0));
    s->length = 0;
    s->used = 0;
}

static void sha256_update(sha256 *s, const unsigned char *p, size_t n) {
    s->length += n;
    while (n > 0) {
        size_t take = 64 - s->used < n ? 64 - s->used : n;
        memcpy(s->block + s->used, p, take);
        s->used += take; p += take; n -= take;
        if (s->used == 64) { sha256_block(s, s->block); s->used = 0; }
    }
}

static void sha256_hex(sha256 *s, char out[65]) {
    uint64_t bits = s->length * 8;
    unsigned char pad = 0x80;
    sha256_update(s, &pad, 1);
    unsigned char zero = 0;
    while (s->used != 56) sha256_update(s, &zero, 1);
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(s, len, 8);
    for (int i = 0; i < 8; ++i) sprintf(out + 8 * i, "%08x", s->h[i]);
}

/* --- the walk ---------------------------------------------------------------------------------------------------- */

static dev_t root_dev;
/* Off for overlays on a tmpfs upper: overlayfs then gives lower files their layer's device number. */
static int skip_other_devices = 1;
static int failed;
static char **excluded;
static int excluded_count;

static void put_escaped(const char *p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x21 || c > 0x7e || c == '\\') printf("\\x%02x", c);
        else putchar(c);
    }
}

static void fail(const char *what, const char *path) {
    fprintf(stderr, "walk: %s %s: %s\n", what, path, strerror(errno));
    failed = 1;
}

static void put_hash(const char *path) {
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) { fail("cannot open", path); putchar('-'); return; }
    sha256 s;
    sha256_init(&s);
    static unsigned char buffer[1 << 16];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof(buffer))) > 0) sha256_update(&s, buffer, (size_t)n);
    if (n < 0) fail("cannot read", path);
    close(fd);
    char hex[65];
    sha256_hex(&s, hex);
    fputs(hex, stdout);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void put_xattrs(const char *path) {
    ssize_t size = llistxattr(path, NULL, 0);
    if (size < 0) {
        if (errno != ENOTSUP) fail("cannot list xattrs of", path);
        putchar('-');
        return;
    }
    char *list = malloc((size_t)size + 1);
    size = llistxattr(path, list, (size_t)size);
    if (size <= 0) { putchar('-'); free(list); return; }
    char *names[4096];
    int count = 0;
    for (char *p = list; p < list + size && count < 4096; p += strlen(p) + 1) names[count++] = p;
    qsort(names, (size_t)count, sizeof(*names), by_name);
    for (int i = 0; i < count; ++i) {
        static unsigned char value[1 << 16];
        ssize_t n = lgetxattr(path, names[i], value, sizeof(value));
        if (i > 0) putchar(',');
        put_escaped(names[i], strlen(names[i]));
        putchar('=');
        /* Listed but unreadable (a value the kernel rejects on reading): part of what the tree shows. */
        if (n < 0) printf("!%s", strerrorname_np(errno));
        for (ssize_t j = 0; j < n; ++j) printf("%02x", value[j]);
    }
    free(list);
}

static int is_excluded(const char *relative) {
    for (int i = 0; i < excluded_count; ++i) {
        if (strcmp(relative, excluded[i]) == 0) return 1;
    }
    return 0;
}

/* Called with the current directory set to the entry's parent (so that no path grows past PATH_MAX): name is the
   entry there, relative its path from ROOT ("" for ROOT itself). */
static void walk(const char *name, const char *relative) {
    struct stat st;
    if (lstat(name, &st) != 0) {
        /* overlayfs lists a whiteout in a directory that does not merge with a lower one, and stat says ENOENT:
           nothing a container can use. */
        if (errno == ENOENT) fprintf(stderr, "walk: %s is listed but does not exist (a whiteout)\n", relative);
        else fail("cannot stat", relative);
        return;
    }
    if ((skip_other_devices && st.st_dev != root_dev) || is_excluded(relative)) return;
    char type = S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l'
              : S_ISCHR(st.st_mode) ? 'c' : S_ISBLK(st.st_mode) ? 'b' : S_ISFIFO(st.st_mode) ? 'p' : 's';
    if (*relative == '\0') putchar('/');
    else put_escaped(relative, strlen(relative));
    printf("\t%c\t%04o\t%u\t%u\t%lld\t%lld\t%llu\t", type, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
           (unsigned)st.st_gid, type == 'f' ? (long long)st.st_size : 0LL, (long long)st.st_mtime,
           (unsigned long long)st.st_ino);
    if (type == 'f') put_hash(name);
    else putchar('-');
    putchar('\t');
    if (type == 'l') {
        static char target[8192];
        ssize_t n = readlink(name, target, sizeof(target));
        if (n < 0) fail("cannot read the link", relative);
        else put_escaped(target, (size_t)n);
    } else {
        putchar('-');
    }
    if (type == 'c' || type == 'b') printf("\t%u,%u\t", major(st.st_rdev), minor(st.st_rdev));
    else fputs("\t-\t", stdout);
    put_xattrs(name);
    putchar('\n');
    if (type != 'd') return;

    int parent = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fd = open(name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    if (parent < 0 || dir == NULL || fchdir(fd) != 0) {
        fail("cannot open the directory", relative);
        if (dir != NULL) closedir(dir);
        if (parent >= 0) close(parent);
        return;
    }
    char **names = NULL;
    size_t count = 0, capacity = 0;
    struct dirent *e;
    while ((errno = 0, e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            names = realloc(names, capacity * sizeof(*names));
        }
        names[count++] = strdup(e->d_name);
    }
    if (errno != 0) fail("cannot read the directory", relative);
    qsort(names, count, sizeof(*names), by_name);
    for (size_t i = 0; i < count; ++i) {
        size_t rlen = strlen(relative), nlen = strlen(names[i]);
        char *child = malloc(rlen + nlen + 2);
        sprintf(child, "%s/%s", relative, names[i]);
        walk(names[i], child);
        free(child);
        free(names[i]);
    }
    free(names);
    closedir(dir);
    if (fchdir(parent) != 0) fail("cannot return to the parent of", relative);
    close(parent);
}

static int walk_root(const char *root) {
    struct stat st;
    if (lstat(root, &st) != 0) { fail("cannot stat", root); return 1; }
    root_dev = st.st_dev;
    if (chdir(root) != 0) { fail("cannot enter", root); return 1; }
    walk(".", "");
    return 0;
}

/* One image: its layers merged by overlayfs under an empty upper directory, as a container's root is. */
static void walk_overlay(const char *name, const char *lowerdirs, int index) {
    char base[64], upper[96], work[96], merged[96];
    snprintf(base, sizeof(base), "/scratch/%d", index);
    snprintf(upper, sizeof(upper), "%s/upper", base);
    snprintf(work, sizeof(work), "%s/work", base);
    snprintf(merged, sizeof(merged), "%s/merged", base);
    if (mkdir(base, 0755) != 0 || mkdir(upper, 0755) != 0 || mkdir(work, 0755) != 0 || mkdir(merged, 0755) != 0) {
        printf("== %s error: cannot make its directories: %s\n", name, strerror(errno));
        return;
    }
    size_t size = strlen(lowerdirs) + 3 * sizeof(upper) + 64;
    char *options = malloc(size);
    snprintf(options, size, "index=off,lowerdir=%s,upperdir=%s,workdir=%s", lowerdirs, upper, work);
    if (mount("overlay", merged, "overlay", 0, options) != 0) {
        printf("== %s error: cannot mount its layers: %s\n", name, strerror(errno));
        free(options);
        return;
    }
    free(options);
    printf("== %s\n", name);
    walk_root(merged);
    fflush(stdout);
    if (chdir("/") != 0 || umount(merged) != 0) fail("cannot unmount", merged);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: walk ROOT [EXCLUDED_PATH...] | walk --overlays [EXCLUDED_PATH...] < SPECS\n");
        return 2;
    }
    excluded = argv + 2;
    excluded_count = argc - 2;
    if (strcmp(argv[1], "--overlays") != 0) {
        int status = walk_root(argv[1]);
        fflush(stdout);
        return status || failed;
    }
    static char line[1 << 16];
    int index = 0;
    skip_other_devices = 0;
    while (fgets(line, sizeof(line), stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (tab == NULL) continue;
        *tab = '\0';
        walk_overlay(line, tab + 1, index++);
    }
    fflush(stdout);
    return failed;
}
