#ifndef PCOCC_SQUASHFS_WRITER_H
#define PCOCC_SQUASHFS_WRITER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writes a squashfs image (128 KiB blocks) with libsquashfs from a stream of entries, the way tar2sqfs --no-skip
 * builds one from a tar: same inode attributes, implicit parent directories, hard links, xattrs. The directory tree
 * is hashed, so inserting an entry costs O(1) whatever the size of its directory. Blocks are stored as they are
 * (pcocc's `mksquashfs -noI -noD -noF -noX`: gzip named in the super block, nothing compressed) or compressed.
 *
 * Paths are relative, normalised ("a/b/c", no "." or ".." components, no empty component); "" (or NULL) is the root.
 * Every function returning int returns 0 on success, -1 on failure with a message in pcocc_sqfs_error().
 */
typedef struct pcocc_sqfs pcocc_sqfs;

enum {
    PCOCC_SQFS_REGULAR = 1,
    PCOCC_SQFS_DIRECTORY = 2,
    PCOCC_SQFS_SYMLINK = 3,
    PCOCC_SQFS_CHAR_DEVICE = 4,
    PCOCC_SQFS_BLOCK_DEVICE = 5,
    PCOCC_SQFS_FIFO = 6,
};

enum {
    /* Every block uncompressed, the super block saying gzip with the uncompressed inode, data, fragment and xattr
       flags: what pcocc's mksquashfs flags make, readable by any squashfuse. */
    PCOCC_SQFS_STORED = 0,
    PCOCC_SQFS_GZIP = 1,
    PCOCC_SQFS_ZSTD = 2,
};

/* Writes to fd, an empty regular file open for reading and writing, which the writer owns from this call on (it is
   closed by pcocc_sqfs_close, or here on failure). level 0 is the compressor's default; STORED ignores it.
   NULL on failure, with a message in error. */
pcocc_sqfs *pcocc_sqfs_open(int fd, int compression, unsigned int level, char *error, size_t error_size);

const char *pcocc_sqfs_error(const pcocc_sqfs *writer);

/* The errno of the image file's last failed read or write (ENOSPC, EDQUOT, EIO...), or 0. */
int pcocc_sqfs_errno(const pcocc_sqfs *writer);

/* Starts an entry; a regular file's content follows through pcocc_sqfs_data, xattrs through pcocc_sqfs_xattr, then
   pcocc_sqfs_end. target is a symbolic link's target (NUL-free bytes). */
int pcocc_sqfs_begin(pcocc_sqfs *writer, const char *path, size_t path_size, int kind, uint32_t permissions,
                     uint32_t uid, uint32_t gid, int64_t mtime, const char *target, size_t target_size,
                     uint32_t device_major, uint32_t device_minor);

int pcocc_sqfs_xattr(pcocc_sqfs *writer, const char *key, const void *value, size_t value_size);

int pcocc_sqfs_data(pcocc_sqfs *writer, const void *data, size_t size);

int pcocc_sqfs_end(pcocc_sqfs *writer);

/* A hard link at path to the entry at target, resolved when the image is finished (chains are followed). */
int pcocc_sqfs_hard_link(pcocc_sqfs *writer, const char *path, size_t path_size, const char *target,
                         size_t target_size);

/* Waits for the data blocks, writes inodes, directories and tables, and the super block, and flushes the file to
   disk (fsync). */
int pcocc_sqfs_finish(pcocc_sqfs *writer);

/* Frees everything (the file stays where it is, complete or not). NULL is fine. */
void pcocc_sqfs_close(pcocc_sqfs *writer);

#endif
