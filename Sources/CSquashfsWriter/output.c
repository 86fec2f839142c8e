/*
 * Where the image goes and how its blocks are packed: a libsquashfs file over a descriptor the caller opened (so the
 * caller decides O_EXCL, O_NOFOLLOW and the mode, and nothing is ever followed or truncated here), and the "stored"
 * compressor that makes the image pcocc's `mksquashfs -noI -noD -noF -noX` makes: gzip in the super block, every
 * block kept as it is.
 */
#include "writer_internal.h"


/* --- the file -------------------------------------------------------------------------------------------------- */

typedef struct {
    sqfs_file_t base;
    int fd;
    int error; /* the errno of the last failed call, for messages */
    sqfs_u64 size;
} descriptor_file;

static void descriptor_file_destroy(sqfs_object_t *object) {
    descriptor_file *file = (descriptor_file *)object;
    if (file->fd >= 0) close(file->fd);
    free(file);
}

static int descriptor_file_read_at(sqfs_file_t *base, sqfs_u64 offset, void *buffer, size_t size) {
    descriptor_file *file = (descriptor_file *)base;
    if (offset + size > file->size) return SQFS_ERROR_OUT_OF_BOUNDS;
    while (size > 0) {
        ssize_t count = pread(file->fd, buffer, size, (off_t)offset);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) {
            file->error = count < 0 ? errno : EIO;
            return SQFS_ERROR_IO;
        }
        buffer = (char *)buffer + count;
        size -= (size_t)count;
        offset += (sqfs_u64)count;
    }
    return 0;
}

static int descriptor_file_write_at(sqfs_file_t *base, sqfs_u64 offset, const void *buffer, size_t size) {
    descriptor_file *file = (descriptor_file *)base;
    sqfs_u64 end = offset + size;
    while (size > 0) {
        ssize_t count = pwrite(file->fd, buffer, size, (off_t)offset);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) {
            file->error = count < 0 ? errno : ENOSPC;
            return SQFS_ERROR_IO;
        }
        buffer = (const char *)buffer + count;
        size -= (size_t)count;
        offset += (sqfs_u64)count;
    }
    if (end > file->size) file->size = end;
    return 0;
}

static sqfs_u64 descriptor_file_get_size(const sqfs_file_t *base) { return ((const descriptor_file *)base)->size; }

static int descriptor_file_truncate(sqfs_file_t *base, sqfs_u64 size) {
    descriptor_file *file = (descriptor_file *)base;
    if (ftruncate(file->fd, (off_t)size) != 0) {
        file->error = errno;
        return SQFS_ERROR_IO;
    }
    file->size = size;
    return 0;
}

sqfs_file_t *descriptor_file_create(int fd) {
    descriptor_file *file = calloc(1, sizeof(*file));
    if (file == NULL) return NULL;
    struct stat info;
    if (fstat(fd, &info) != 0) {
        free(file);
        return NULL;
    }
    file->fd = fd;
    file->size = (sqfs_u64)info.st_size;
    file->base.base.destroy = descriptor_file_destroy;
    file->base.read_at = descriptor_file_read_at;
    file->base.write_at = descriptor_file_write_at;
    file->base.get_size = descriptor_file_get_size;
    file->base.truncate = descriptor_file_truncate;
    return (sqfs_file_t *)file;
}

int descriptor_file_sync(sqfs_file_t *base) {
    descriptor_file *file = (descriptor_file *)base;
    while (fsync(file->fd) != 0) {
        if (errno != EINTR) {
            file->error = errno;
            return -1;
        }
    }
    return 0;
}

int descriptor_file_error(const sqfs_file_t *base) { return ((const descriptor_file *)base)->error; }

/* --- the stored compressor --------------------------------------------------------------------------------------- */

/* libsquashfs keeps a block as it is, flagged uncompressed, whenever do_block reports no gain (0): that is every
   block here. The super block says gzip, as mksquashfs's does; no reader ever calls zlib on such an image. */
static void stored_get_configuration(const sqfs_compressor_t *cmp, sqfs_compressor_config_t *config) {
    (void)cmp;
    memset(config, 0, sizeof(*config));
    config->id = SQFS_COMP_GZIP;
    config->block_size = BLOCK_SIZE;
}

static int stored_write_options(sqfs_compressor_t *cmp, sqfs_file_t *file) {
    (void)cmp;
    (void)file;
    return 0;
}

static int stored_read_options(sqfs_compressor_t *cmp, sqfs_file_t *file) {
    (void)cmp;
    (void)file;
    return 0;
}

static sqfs_s32 stored_do_block(sqfs_compressor_t *cmp, const sqfs_u8 *in, sqfs_u32 size, sqfs_u8 *out,
                                sqfs_u32 outsize) {
    (void)cmp;
    (void)in;
    (void)size;
    (void)out;
    (void)outsize;
    return 0;
}

static void stored_destroy(sqfs_object_t *object) { free(object); }

static sqfs_object_t *stored_copy(const sqfs_object_t *object) {
    sqfs_compressor_t *copy = malloc(sizeof(*copy));
    if (copy != NULL) memcpy(copy, object, sizeof(*copy));
    return (sqfs_object_t *)copy;
}

sqfs_compressor_t *stored_compressor_create(void) {
    sqfs_compressor_t *cmp = calloc(1, sizeof(*cmp));
    if (cmp == NULL) return NULL;
    cmp->base.destroy = stored_destroy;
    cmp->base.copy = stored_copy;
    cmp->get_configuration = stored_get_configuration;
    cmp->write_options = stored_write_options;
    cmp->read_options = stored_read_options;
    cmp->do_block = stored_do_block;
    return cmp;
}

/* --- choosing the compressor ------------------------------------------------------------------------------------ */

/* The compressor for `compression`, and the super block's compressor id and flags that go with it. */
int make_compressor(pcocc_sqfs *w, int compression, unsigned int level, sqfs_u16 *id, sqfs_u16 *flags) {
    if (compression == PCOCC_SQFS_STORED) {
        w->cmp = stored_compressor_create();
        if (w->cmp == NULL) return fail(w, "out of memory");
        *id = SQFS_COMP_GZIP;
        *flags = SQFS_FLAG_UNCOMPRESSED_INODES | SQFS_FLAG_UNCOMPRESSED_DATA | SQFS_FLAG_UNCOMPRESSED_FRAGMENTS
            | SQFS_FLAG_UNCOMPRESSED_XATTRS;
        return 0;
    }
    if (compression != PCOCC_SQFS_GZIP && compression != PCOCC_SQFS_ZSTD) return fail(w, "unknown compression");
    *id = compression == PCOCC_SQFS_GZIP ? SQFS_COMP_GZIP : SQFS_COMP_ZSTD;
    *flags = 0;
    sqfs_compressor_config_t config;
    int ret = sqfs_compressor_config_init(&config, *id, BLOCK_SIZE, 0);
    if (ret != 0) return fail_sqfs(w, "configuring the compressor", ret);
    if (level != 0) config.level = level;
    ret = sqfs_compressor_create(&config, &w->cmp);
    if (ret != 0) return fail_sqfs(w, "creating the compressor (is the level valid?)", ret);
    return 0;
}
