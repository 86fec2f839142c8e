/* The writer's private types, shared by squashfs_writer.c (the public calls, inodes, the super block) and tree.c
 * (the hashed directory tree, hard links, inode numbering). */
#ifndef PCOCC_SQUASHFS_WRITER_INTERNAL_H
#define PCOCC_SQUASHFS_WRITER_INTERNAL_H
#define _GNU_SOURCE
#include "squashfs_writer.h"

#include <sqfs/block.h>
#include <sqfs/block_processor.h>
#include <sqfs/block_writer.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_writer.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/meta_writer.h>
#include <sqfs/super.h>
#include <sqfs/xattr.h>
#include <sqfs/xattr_writer.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define BLOCK_SIZE 131072
#define DEVICE_BLOCK_SIZE 4096
#define NO_XATTR 0xFFFFFFFFu

typedef struct stored_data stored_data;

enum { NODE_PLAIN = 0, NODE_HARD_LINK = 1, NODE_HARD_LINK_RESOLVED = 2 };

typedef struct node {
    struct node *parent;
    struct node *next;      /* sibling */
    struct node *hash_next; /* bucket chain */
    struct node *children;  /* directories */
    size_t child_count;
    struct node *target_node; /* resolved hard links */
    char *target;             /* symbolic link target, or hard link target path */
    sqfs_inode_generic_t *inode; /* regular files: owned by the block processor until it finishes */
    sqfs_u64 inode_ref;
    sqfs_u32 inode_num;
    sqfs_u32 uid, gid, mod_time, xattr_idx, link_count, devno;
    sqfs_u16 mode;
    unsigned char link_state;
    unsigned char implicit;
    unsigned char written;
    size_t name_size;
    char name[];
} node;

struct pcocc_sqfs {
    char error[512];
    sqfs_file_t *file;
    sqfs_compressor_t *cmp;
    sqfs_block_writer_t *block_writer;
    sqfs_frag_table_t *frag_table;
    sqfs_block_processor_t *data; /* compressed images */
    stored_data *stored_data;     /* stored images */
    sqfs_id_table_t *id_table;
    sqfs_xattr_writer_t *xattr_writer;
    sqfs_meta_writer_t *inode_meta;
    sqfs_meta_writer_t *dir_meta;
    sqfs_dir_writer_t *dir_writer;
    sqfs_super_t super;

    node *root;
    node **buckets;
    size_t bucket_count;
    size_t node_count;
    node **inodes; /* by inode number - 1 */
    sqfs_u32 inode_count;
    sqfs_u32 default_mtime;

    int stored;         /* PCOCC_SQFS_STORED: pcocc's mksquashfs format */
    node *current;      /* between begin and end */
    int current_is_file;
    int in_xattr_block;
};

static inline int fail(pcocc_sqfs *w, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(w->error, sizeof(w->error), format, args);
    va_end(args);
    return -1;
}

static inline const char *sqfs_message(int code) {
    switch (code) {
    case SQFS_ERROR_ALLOC: return "out of memory";
    case SQFS_ERROR_IO: return "input/output error";
    case SQFS_ERROR_COMPRESSOR: return "compressor error";
    case SQFS_ERROR_INTERNAL: return "internal error";
    case SQFS_ERROR_CORRUPTED: return "corrupted data";
    case SQFS_ERROR_UNSUPPORTED: return "unsupported";
    case SQFS_ERROR_OVERFLOW: return "numeric overflow";
    case SQFS_ERROR_OUT_OF_BOUNDS: return "out of bounds";
    case SQFS_ERROR_ARG_INVALID: return "invalid argument";
    case SQFS_ERROR_SEQUENCE: return "calls out of sequence";
    default: return "error";
    }
}

/* output.c */
sqfs_file_t *descriptor_file_create(int fd);
int descriptor_file_sync(sqfs_file_t *file);
int descriptor_file_error(const sqfs_file_t *file);
sqfs_compressor_t *stored_compressor_create(void);
int make_compressor(pcocc_sqfs *w, int compression, unsigned int level, sqfs_u16 *id, sqfs_u16 *flags);

static inline int fail_sqfs(pcocc_sqfs *w, const char *what, int code) {
    /* An I/O error names its cause (no space left, quota...), which the library's code does not say. */
    if (code == SQFS_ERROR_IO && w->file != NULL && descriptor_file_error(w->file) != 0) {
        return fail(w, "%s: %s", what, strerror(descriptor_file_error(w->file)));
    }
    return fail(w, "%s: %s (%d)", what, sqfs_message(code), code);
}


/* stored_data.c: a stored image's file data, on the caller's thread (libsquashfs's block processor calls). */
stored_data *stored_data_create(sqfs_file_t *file, sqfs_frag_table_t *frag_table);
int stored_data_begin_file(stored_data *s, sqfs_inode_generic_t **inode);
int stored_data_append(stored_data *s, const void *data, size_t size);
int stored_data_end_file(stored_data *s);
int stored_data_finish(stored_data *s);
void stored_data_destroy(stored_data *s);

/* tree.c */
node *child_by_name(const pcocc_sqfs *w, const node *parent, const char *name, size_t size);
node *make_node(pcocc_sqfs *w, node *parent, const char *name, size_t size, sqfs_u16 mode);
node *parent_of(pcocc_sqfs *w, const char *path, size_t size, const char **name, size_t *name_size);
int valid_path(pcocc_sqfs *w, const char *path, size_t size);
int sort_children(pcocc_sqfs *w, node *dir);
int resolve_hard_links(pcocc_sqfs *w, node *dir);
void number_inodes(pcocc_sqfs *w, node *dir);
void free_tree(node *dir);

#endif
