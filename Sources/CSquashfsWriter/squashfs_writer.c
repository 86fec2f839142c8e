/*
 * A squashfs writer on libsquashfs that builds the image the way squashfs-tools-ng's tar2sqfs (1.2) does from a tar
 * (fstree + sqfs_writer), with one difference: the directory tree is hashed on (parent, name), so adding an entry does
 * not scan its directory. Directories are sorted once, at the end.
 */
#include "writer_internal.h"

/* --- the public calls ------------------------------------------------------------------------------------------ */

static sqfs_u32 source_date_epoch(void) {
    const char *text = getenv("SOURCE_DATE_EPOCH");
    if (text == NULL || *text == '\0') return 0;
    sqfs_u64 value = 0;
    for (const char *p = text; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9') return 0;
        value = value * 10 + (sqfs_u64)(*p - '0');
        if (value > 0xFFFFFFFFull) return 0;
    }
    return (sqfs_u32)value;
}

pcocc_sqfs *pcocc_sqfs_open(int fd, int compression, unsigned int level, char *error, size_t error_size) {
    pcocc_sqfs *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        close(fd);
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    int ret = 0;
    w->default_mtime = source_date_epoch();
    w->bucket_count = 1 << 16;
    w->buckets = calloc(w->bucket_count, sizeof(*w->buckets));
    w->root = calloc(1, sizeof(node) + 1);
    w->file = descriptor_file_create(fd);
    if (w->file == NULL) close(fd);
    if (w->buckets == NULL || w->root == NULL || w->file == NULL) {
        fail(w, "out of memory");
        goto failed;
    }
    w->root->mode = S_IFDIR | 0755;
    w->root->mod_time = w->default_mtime;
    w->root->link_count = 2;
    w->root->xattr_idx = NO_XATTR;

    sqfs_u16 compressor_id, flags;
    if (make_compressor(w, compression, level, &compressor_id, &flags) != 0) goto failed;
    w->stored = compression == PCOCC_SQFS_STORED;
    ret = sqfs_super_init(&w->super, BLOCK_SIZE, w->default_mtime, compressor_id);
    w->super.flags |= flags;
    if (ret == 0) ret = sqfs_super_write(&w->super, w->file);
    if (ret != 0) {
        fail_sqfs(w, "writing the super block", ret);
        goto failed;
    }
    ret = w->cmp->write_options(w->cmp, w->file);
    if (ret < 0) {
        fail_sqfs(w, "writing the compressor options", ret);
        goto failed;
    }
    if (ret > 0) w->super.flags |= SQFS_FLAG_COMPRESSOR_OPTIONS;

    w->frag_table = sqfs_frag_table_create(0);
    if (w->frag_table != NULL && w->stored) {
        /* Stored blocks need no worker at all: stored_data.c packs them on this thread. */
        w->stored_data = stored_data_create(w->file, w->frag_table);
    } else if (w->frag_table != NULL) {
        /* Unlike tar2sqfs (one compressor per CPU, 10 blocks in flight each), one CPU is left to the flattener and
           the decompressors that feed it, and more blocks may wait: on 2 CPUs this takes a quarter off the whole
           import. The image is the same whatever the numbers (blocks are written in order). */
        int cpus = get_nprocs_conf();
        unsigned int jobs = cpus > 2 ? (unsigned int)cpus - 1 : 1;
        size_t backlog = jobs * 40 < 256 ? jobs * 40 : 256;
        w->block_writer = sqfs_block_writer_create(w->file, DEVICE_BLOCK_SIZE, 0);
        w->data = w->block_writer == NULL ? NULL
            : sqfs_block_processor_create(BLOCK_SIZE, w->cmp, jobs, backlog, w->block_writer, w->frag_table);
    }
    w->id_table = w->data == NULL && w->stored_data == NULL ? NULL : sqfs_id_table_create(0);
    w->xattr_writer = w->id_table == NULL ? NULL : sqfs_xattr_writer_create(0);
    w->inode_meta = w->xattr_writer == NULL ? NULL : sqfs_meta_writer_create(w->file, w->cmp, 0);
    w->dir_meta = w->inode_meta == NULL ? NULL
        : sqfs_meta_writer_create(w->file, w->cmp, SQFS_META_WRITER_KEEP_IN_MEMORY);
    w->dir_writer = w->dir_meta == NULL ? NULL : sqfs_dir_writer_create(w->dir_meta, 0);
    if (w->dir_writer == NULL) {
        fail(w, "cannot create the squashfs writers (out of memory or threads)");
        goto failed;
    }
    return w;
failed:
    snprintf(error, error_size, "%s", w->error);
    pcocc_sqfs_close(w);
    return NULL;
}

const char *pcocc_sqfs_error(const pcocc_sqfs *w) { return w->error; }

int pcocc_sqfs_errno(const pcocc_sqfs *w) { return w->file == NULL ? 0 : descriptor_file_error(w->file); }

int pcocc_sqfs_begin(pcocc_sqfs *w, const char *path, size_t path_size, int kind, uint32_t permissions, uint32_t uid,
                     uint32_t gid, int64_t mtime, const char *target, size_t target_size, uint32_t device_major,
                     uint32_t device_minor) {
    if (w->current != NULL) return fail(w, "an entry is still open");
    if (path == NULL) path = "";
    if (target == NULL) target = "";
    if (valid_path(w, path, path_size) != 0) return -1;
    sqfs_u16 mode;
    switch (kind) {
    case PCOCC_SQFS_REGULAR: mode = S_IFREG | (permissions & 07777); break;
    case PCOCC_SQFS_DIRECTORY: mode = S_IFDIR | (permissions & 07777); break;
    case PCOCC_SQFS_SYMLINK: mode = S_IFLNK | 0777; break;
    case PCOCC_SQFS_CHAR_DEVICE: mode = S_IFCHR | (permissions & 07777); break;
    case PCOCC_SQFS_BLOCK_DEVICE: mode = S_IFBLK | (permissions & 07777); break;
    case PCOCC_SQFS_FIFO: mode = S_IFIFO | (permissions & 07777); break;
    default: return fail(w, "%.*s: unknown entry type", (int)path_size, path);
    }
    if (kind == PCOCC_SQFS_SYMLINK && (target_size == 0 || memchr(target, 0, target_size) != NULL)) {
        return fail(w, "%.*s: invalid symbolic link target", (int)path_size, path);
    }
    sqfs_u32 time = mtime < 0 ? 0 : mtime > 0xFFFFFFFFll ? 0xFFFFFFFFu : (sqfs_u32)mtime;

    node *n;
    if (path_size == 0) {
        if (kind != PCOCC_SQFS_DIRECTORY) return fail(w, "the root is not a directory");
        n = w->root;
        n->mode = mode;
    } else {
        const char *name;
        size_t name_size;
        node *parent = parent_of(w, path, path_size, &name, &name_size);
        if (parent == NULL) return -1;
        n = child_by_name(w, parent, name, name_size);
        if (n != NULL) {
            if (!S_ISDIR(n->mode) || kind != PCOCC_SQFS_DIRECTORY || !n->implicit) {
                return fail(w, "%.*s: %s", (int)path_size, path, strerror(EEXIST));
            }
            n->implicit = 0;
            n->mode = mode;
        } else {
            n = make_node(w, parent, name, name_size, mode);
            if (n == NULL) return -1;
            if (kind == PCOCC_SQFS_SYMLINK) {
                n->target = malloc(target_size + 1);
                if (n->target == NULL) return fail(w, "out of memory");
                memcpy(n->target, target, target_size);
                n->target[target_size] = '\0';
            } else if (kind == PCOCC_SQFS_CHAR_DEVICE || kind == PCOCC_SQFS_BLOCK_DEVICE) {
                n->devno = (sqfs_u32)makedev(device_major, device_minor);
            }
        }
    }
    n->uid = uid;
    n->gid = gid;
    n->mod_time = time;

    int ret = sqfs_xattr_writer_begin(w->xattr_writer, 0);
    if (ret != 0) return fail_sqfs(w, "beginning an xattr block", ret);
    w->in_xattr_block = 1;
    if (kind == PCOCC_SQFS_REGULAR) {
        ret = w->stored_data != NULL ? stored_data_begin_file(w->stored_data, &n->inode)
            : sqfs_block_processor_begin_file(w->data, &n->inode, NULL, 0);
        if (ret != 0) return fail_sqfs(w, "packing a file", ret);
        w->current_is_file = 1;
    }
    w->current = n;
    return 0;
}

int pcocc_sqfs_xattr(pcocc_sqfs *w, const char *key, const void *value, size_t value_size) {
    if (w->current == NULL) return fail(w, "no entry is open");
    if (sqfs_get_xattr_prefix_id(key) < 0) {
        return fail(w, "%s: squashfs does not support xattr prefix of %s", w->current->name, key);
    }
    int ret = sqfs_xattr_writer_add(w->xattr_writer, key, value, value_size);
    if (ret != 0) return fail_sqfs(w, "storing an xattr key-value pair", ret);
    return 0;
}

int pcocc_sqfs_data(pcocc_sqfs *w, const void *data, size_t size) {
    if (w->current == NULL || !w->current_is_file) return fail(w, "no file is open");
    int ret = w->stored_data != NULL ? stored_data_append(w->stored_data, data, size)
        : sqfs_block_processor_append(w->data, data, size);
    if (ret != 0) return fail_sqfs(w, "packing file data", ret);
    return 0;
}

int pcocc_sqfs_end(pcocc_sqfs *w) {
    if (w->current == NULL) return fail(w, "no entry is open");
    node *n = w->current;
    w->current = NULL;
    if (w->current_is_file) {
        w->current_is_file = 0;
        int ret = w->stored_data != NULL ? stored_data_end_file(w->stored_data)
            : sqfs_block_processor_end_file(w->data);
        if (ret != 0) return fail_sqfs(w, "packing a file", ret);
    }
    w->in_xattr_block = 0;
    int ret = sqfs_xattr_writer_end(w->xattr_writer, &n->xattr_idx);
    if (ret != 0) return fail_sqfs(w, "completing an xattr block", ret);
    return 0;
}

int pcocc_sqfs_hard_link(pcocc_sqfs *w, const char *path, size_t path_size, const char *target, size_t target_size) {
    if (w->current != NULL) return fail(w, "an entry is still open");
    if (path == NULL || path_size == 0) return fail(w, "the root cannot be a hard link");
    if (target == NULL || target_size == 0) return fail(w, "%.*s: a hard link to the root", (int)path_size, path);
    if (valid_path(w, path, path_size) != 0 || valid_path(w, target, target_size) != 0) return -1;
    const char *name;
    size_t name_size;
    node *parent = parent_of(w, path, path_size, &name, &name_size);
    if (parent == NULL) return -1;
    if (child_by_name(w, parent, name, name_size) != NULL) {
        return fail(w, "%.*s: %s", (int)path_size, path, strerror(EEXIST));
    }
    node *n = make_node(w, parent, name, name_size, S_IFREG | 0644);
    if (n == NULL) return -1;
    n->link_state = NODE_HARD_LINK;
    n->target = malloc(target_size + 1);
    if (n->target == NULL) return fail(w, "out of memory");
    memcpy(n->target, target, target_size);
    n->target[target_size] = '\0';
    return 0;
}

static int write_inode(pcocc_sqfs *w, node *n);

static sqfs_inode_generic_t *directory_inode(pcocc_sqfs *w, node *dir) {
    /* Entries reference their inodes: a hard link's target may come later in number order, so write it first. */
    for (node *n = dir->children; n != NULL; n = n->next) {
        if (n->link_state == NODE_HARD_LINK_RESOLVED && !n->target_node->written) {
            if (write_inode(w, n->target_node) != 0) return NULL;
        }
    }
    int ret = sqfs_dir_writer_begin(w->dir_writer, 0);
    for (node *n = dir->children; ret == 0 && n != NULL; n = n->next) {
        node *target = n->link_state == NODE_HARD_LINK_RESOLVED ? n->target_node : n;
        if (!target->written) {
            fail(w, "%s: a directory entry before its inode", n->name);
            return NULL;
        }
        ret = sqfs_dir_writer_add_entry(w->dir_writer, n->name, target->inode_num, target->inode_ref, target->mode);
    }
    if (ret == 0) ret = sqfs_dir_writer_end(w->dir_writer);
    if (ret != 0) {
        fail_sqfs(w, "recording directory entries", ret);
        return NULL;
    }
    sqfs_inode_generic_t *inode = sqfs_dir_writer_create_inode(
        w->dir_writer, 0, dir->xattr_idx, dir->parent == NULL ? 0 : dir->parent->inode_num);
    if (inode == NULL) {
        fail(w, "out of memory");
        return NULL;
    }
    if (inode->base.type == SQFS_INODE_DIR) {
        inode->data.dir.nlink = dir->link_count;
    } else {
        inode->data.dir_ext.nlink = dir->link_count;
    }
    return inode;
}

static sqfs_inode_generic_t *other_inode(pcocc_sqfs *w, node *n) {
    size_t extra = S_ISLNK(n->mode) ? strlen(n->target) : 0;
    sqfs_inode_generic_t *inode = calloc(1, sizeof(*inode) + extra);
    if (inode == NULL) {
        fail(w, "out of memory");
        return NULL;
    }
    switch (n->mode & S_IFMT) {
    case S_IFIFO:
        inode->base.type = SQFS_INODE_FIFO;
        inode->data.ipc.nlink = n->link_count;
        break;
    case S_IFSOCK:
        inode->base.type = SQFS_INODE_SOCKET;
        inode->data.ipc.nlink = n->link_count;
        break;
    case S_IFLNK:
        inode->base.type = SQFS_INODE_SLINK;
        inode->data.slink.nlink = n->link_count;
        inode->data.slink.target_size = (sqfs_u32)extra;
        inode->payload_bytes_available = (sqfs_u32)extra;
        inode->payload_bytes_used = (sqfs_u32)extra;
        memcpy(inode->extra, n->target, extra);
        break;
    case S_IFBLK:
        inode->base.type = SQFS_INODE_BDEV;
        inode->data.dev.nlink = n->link_count;
        inode->data.dev.devno = n->devno;
        break;
    case S_IFCHR:
        inode->base.type = SQFS_INODE_CDEV;
        inode->data.dev.nlink = n->link_count;
        inode->data.dev.devno = n->devno;
        break;
    default:
        free(inode);
        fail(w, "%s: unexpected file type", n->name);
        return NULL;
    }
    return inode;
}

static int write_inode(pcocc_sqfs *w, node *n) {
    sqfs_inode_generic_t *inode;
    int library_owned = 1;
    if (S_ISDIR(n->mode)) {
        inode = directory_inode(w, n);
    } else if (S_ISREG(n->mode)) {
        inode = n->inode;
        n->inode = NULL;
        library_owned = w->stored_data == NULL;
        if (inode == NULL) return fail(w, "%s: no data was written for this file", n->name);
        if (inode->base.type == SQFS_INODE_FILE && n->link_count > 1) {
            sqfs_inode_make_extended(inode);
            inode->data.file_ext.nlink = n->link_count;
        } else if (inode->base.type == SQFS_INODE_EXT_FILE) {
            inode->data.file_ext.nlink = n->link_count;
        }
    } else {
        inode = other_inode(w, n);
        library_owned = 0;
    }
    if (inode == NULL) return -1;

    inode->base.mode = n->mode;
    inode->base.mod_time = n->mod_time;
    inode->base.inode_number = n->inode_num;
    int ret = sqfs_inode_set_xattr_index(inode, n->xattr_idx);
    if (ret == 0) ret = sqfs_id_table_id_to_index(w->id_table, n->uid, &inode->base.uid_idx);
    if (ret == 0) ret = sqfs_id_table_id_to_index(w->id_table, n->gid, &inode->base.gid_idx);
    if (ret == 0) {
        sqfs_u64 block;
        sqfs_u32 offset;
        sqfs_meta_writer_get_position(w->inode_meta, &block, &offset);
        n->inode_ref = (block << 16) | offset;
        ret = sqfs_meta_writer_write_inode(w->inode_meta, inode);
    }
    if (library_owned) {
        sqfs_free(inode);
    } else {
        free(inode);
    }
    if (ret != 0) return fail_sqfs(w, "storing the file system tree", ret);
    n->written = 1;
    return 0;
}

static int pad_to_device_block(pcocc_sqfs *w) {
    sqfs_u64 size = w->file->get_size(w->file);
    size_t rest = (size_t)(size % DEVICE_BLOCK_SIZE);
    if (rest == 0) return 0;
    static const char zeros[DEVICE_BLOCK_SIZE];
    int ret = w->file->write_at(w->file, size, zeros, DEVICE_BLOCK_SIZE - rest);
    if (ret != 0) return fail_sqfs(w, "padding the image to the device block size", ret);
    return 0;
}

int pcocc_sqfs_finish(pcocc_sqfs *w) {
    if (w->current != NULL) return fail(w, "an entry is still open");
    int ret = w->stored_data != NULL ? stored_data_finish(w->stored_data) : sqfs_block_processor_finish(w->data);
    if (ret != 0) return fail_sqfs(w, "finishing data blocks", ret);

    if (sort_children(w, w->root) != 0 || resolve_hard_links(w, w->root) != 0) return -1;
    w->inodes = malloc((w->node_count + 1) * sizeof(*w->inodes));
    if (w->inodes == NULL) return fail(w, "out of memory");
    w->inode_count = 0;
    number_inodes(w, w->root);
    w->inodes[w->inode_count++] = w->root;
    for (sqfs_u32 i = 0; i < w->inode_count; ++i) w->inodes[i]->inode_num = i + 1;

    w->super.inode_count = w->inode_count;
    w->super.inode_table_start = w->file->get_size(w->file);
    for (sqfs_u32 i = 0; i < w->inode_count; ++i) {
        if (!w->inodes[i]->written && write_inode(w, w->inodes[i]) != 0) return -1;
    }
    ret = sqfs_meta_writer_flush(w->inode_meta);
    if (ret == 0) ret = sqfs_meta_writer_flush(w->dir_meta);
    if (ret != 0) return fail_sqfs(w, "storing the file system tree", ret);
    w->super.root_inode_ref = w->root->inode_ref;
    w->super.directory_table_start = w->file->get_size(w->file);
    ret = sqfs_meta_write_write_to_file(w->dir_meta);
    if (ret != 0) return fail_sqfs(w, "storing the directory table", ret);

    ret = sqfs_frag_table_write(w->frag_table, w->file, &w->super, w->cmp);
    if (ret != 0) return fail_sqfs(w, "writing the fragment table", ret);
    ret = sqfs_id_table_write(w->id_table, w->file, &w->super, w->cmp);
    if (ret != 0) return fail_sqfs(w, "writing the ID table", ret);
    ret = sqfs_xattr_writer_flush(w->xattr_writer, w->file, &w->super, w->cmp);
    if (ret != 0) return fail_sqfs(w, "writing extended attributes", ret);
    /* mksquashfs sets "no xattrs" only when asked not to store any; an image without xattrs has no xattr table either
       way. Stored images follow mksquashfs, so that they are what pcocc's own command makes. */
    if (w->stored) w->super.flags &= (sqfs_u16)~SQFS_FLAG_NO_XATTRS;

    w->super.bytes_used = w->file->get_size(w->file);
    ret = sqfs_super_write(&w->super, w->file);
    if (ret != 0) return fail_sqfs(w, "updating the super block", ret);
    if (pad_to_device_block(w) != 0) return -1;
    /* So that a crash never leaves a renamed but incomplete image. */
    if (descriptor_file_sync(w->file) != 0) return fail(w, "flushing the image to disk: %s", strerror(errno));
    return 0;
}

void pcocc_sqfs_close(pcocc_sqfs *w) {
    if (w == NULL) return;
    /* The block processor first: its workers may still touch the file inodes. Blocks still queued when a conversion
       fails are freed only once processed (libsquashfs 1.2 leaks them otherwise): wait for them. */
    if (w->data != NULL) {
        (void)sqfs_block_processor_sync(w->data);
        sqfs_destroy(w->data);
    }
    stored_data_destroy(w->stored_data);
    if (w->dir_writer != NULL) sqfs_destroy(w->dir_writer);
    if (w->dir_meta != NULL) sqfs_destroy(w->dir_meta);
    if (w->inode_meta != NULL) sqfs_destroy(w->inode_meta);
    if (w->xattr_writer != NULL) sqfs_destroy(w->xattr_writer);
    if (w->id_table != NULL) sqfs_destroy(w->id_table);
    if (w->frag_table != NULL) sqfs_destroy(w->frag_table);
    if (w->block_writer != NULL) sqfs_destroy(w->block_writer);
    if (w->cmp != NULL) sqfs_destroy(w->cmp);
    if (w->file != NULL) sqfs_destroy(w->file);
    if (w->root != NULL) {
        free_tree(w->root);
        free(w->root);
    }
    free(w->buckets);
    free(w->inodes);
    free(w);
}
