/*
 * The directory tree of squashfs_writer.c, hashed on (parent, name) so adding an entry never scans its directory;
 * directories are sorted once, at the end, as tar2sqfs (1.2) orders them.
 */
#include "writer_internal.h"

/* --- the tree ------------------------------------------------------------------------------------------------- */

static size_t hash_of(const node *parent, const char *name, size_t size) {
    sqfs_u64 hash = 1469598103934665603ull ^ (sqfs_u64)(uintptr_t)parent;
    for (size_t i = 0; i < size; ++i) {
        hash ^= (unsigned char)name[i];
        hash *= 1099511628211ull;
    }
    return (size_t)(hash ^ (hash >> 29));
}

static int grow_buckets(pcocc_sqfs *w) {
    size_t count = w->bucket_count * 2;
    node **buckets = calloc(count, sizeof(*buckets));
    if (buckets == NULL) return fail(w, "out of memory");
    for (size_t i = 0; i < w->bucket_count; ++i) {
        node *n = w->buckets[i];
        while (n != NULL) {
            node *next = n->hash_next;
            size_t slot = hash_of(n->parent, n->name, n->name_size) & (count - 1);
            n->hash_next = buckets[slot];
            buckets[slot] = n;
            n = next;
        }
    }
    free(w->buckets);
    w->buckets = buckets;
    w->bucket_count = count;
    return 0;
}

node *child_by_name(const pcocc_sqfs *w, const node *parent, const char *name, size_t size) {
    node *n = w->buckets[hash_of(parent, name, size) & (w->bucket_count - 1)];
    for (; n != NULL; n = n->hash_next) {
        if (n->parent == parent && n->name_size == size && memcmp(n->name, name, size) == 0) return n;
    }
    return NULL;
}

node *make_node(pcocc_sqfs *w, node *parent, const char *name, size_t size, sqfs_u16 mode) {
    if (parent->link_count == 0xFFFFFFFFu) {
        fail(w, "%.*s: too many links", (int)size, name);
        return NULL;
    }
    if (w->node_count >= w->bucket_count && grow_buckets(w) != 0) return NULL;
    node *n = calloc(1, sizeof(node) + size + 1);
    if (n == NULL) {
        fail(w, "out of memory");
        return NULL;
    }
    memcpy(n->name, name, size);
    n->name_size = size;
    n->mode = mode;
    n->xattr_idx = NO_XATTR;
    n->link_count = S_ISDIR(mode) ? 2 : 1;
    n->parent = parent;
    n->next = parent->children;
    parent->children = n;
    parent->child_count++;
    parent->link_count++;
    size_t slot = hash_of(parent, name, size) & (w->bucket_count - 1);
    n->hash_next = w->buckets[slot];
    w->buckets[slot] = n;
    w->node_count++;
    return n;
}

/* The directory that holds path's last component, created (implicitly, with the defaults) as needed. */
node *parent_of(pcocc_sqfs *w, const char *path, size_t size, const char **name, size_t *name_size) {
    node *dir = w->root;
    size_t start = 0;
    for (;;) {
        if (!S_ISDIR(dir->mode)) {
            fail(w, "%.*s: %s", (int)size, path, strerror(ENOTDIR));
            return NULL;
        }
        const char *slash = memchr(path + start, '/', size - start);
        if (slash == NULL) break;
        size_t length = (size_t)(slash - (path + start));
        node *n = child_by_name(w, dir, path + start, length);
        if (n == NULL) {
            n = make_node(w, dir, path + start, length, S_IFDIR | 0755);
            if (n == NULL) return NULL;
            n->mod_time = w->default_mtime;
            n->implicit = 1;
        }
        dir = n;
        start += length + 1;
    }
    *name = path + start;
    *name_size = size - start;
    return dir;
}

int valid_path(pcocc_sqfs *w, const char *path, size_t size) {
    if (size == 0) return 0;
    if (memchr(path, 0, size) != NULL) return fail(w, "a path holds a NUL byte");
    size_t start = 0;
    while (start <= size && size > 0) {
        const char *slash = memchr(path + start, '/', size - start);
        size_t length = slash == NULL ? size - start : (size_t)(slash - (path + start));
        if (length == 0 || (length == 1 && path[start] == '.') ||
            (length == 2 && path[start] == '.' && path[start + 1] == '.')) {
            return fail(w, "%.*s: invalid name", (int)size, path);
        }
        start += length + 1;
    }
    return 0;
}

/* The node at path, or NULL (nothing is created). */
static node *node_by_path(pcocc_sqfs *w, const char *path) {
    node *n = w->root;
    const char *start = path;
    while (*start != '\0') {
        if (!S_ISDIR(n->mode)) return NULL;
        const char *slash = strchr(start, '/');
        size_t length = slash == NULL ? strlen(start) : (size_t)(slash - start);
        n = child_by_name(w, n, start, length);
        if (n == NULL) return NULL;
        start += length;
        if (*start == '/') ++start;
    }
    return n;
}

/* --- finishing ------------------------------------------------------------------------------------------------- */

static int by_name(const void *a, const void *b) {
    return strcmp((*(node *const *)a)->name, (*(node *const *)b)->name);
}

int sort_children(pcocc_sqfs *w, node *dir) {
    if (dir->child_count > 1) {
        node **list = malloc(dir->child_count * sizeof(*list));
        if (list == NULL) return fail(w, "out of memory");
        size_t i = 0;
        for (node *n = dir->children; n != NULL; n = n->next) list[i++] = n;
        qsort(list, dir->child_count, sizeof(*list), by_name);
        for (i = 0; i + 1 < dir->child_count; ++i) list[i]->next = list[i + 1];
        list[dir->child_count - 1]->next = NULL;
        dir->children = list[0];
        free(list);
    }
    for (node *n = dir->children; n != NULL; n = n->next) {
        if (S_ISDIR(n->mode) && n->link_state == NODE_PLAIN && sort_children(w, n) != 0) return -1;
    }
    return 0;
}

static char *path_of(const node *n, char *buffer, size_t size) {
    size_t used = 0;
    buffer[0] = '\0';
    for (const node *p = n; p != NULL && p->parent != NULL; p = p->parent) {
        size_t length = p->name_size + (used > 0 ? 1 : 0);
        if (used + length + 1 > size) break;
        memmove(buffer + length, buffer, used + 1);
        memcpy(buffer, p->name, p->name_size);
        if (used > 0) buffer[p->name_size] = '/';
        used += length;
    }
    return buffer;
}

static int resolve_hard_link(pcocc_sqfs *w, node *link) {
    node *n = link;
    char path[4096];
    while (n->link_state != NODE_PLAIN) {
        node *next = n->link_state == NODE_HARD_LINK_RESOLVED ? n->target_node : node_by_path(w, n->target);
        if (next == NULL) {
            return fail(w, "Resolving hard link '%s' -> '%s': %s", path_of(link, path, sizeof(path)), link->target,
                        strerror(ENOENT));
        }
        n = next;
        if (n == link) {
            return fail(w, "Resolving hard link '%s' -> '%s': %s", path_of(link, path, sizeof(path)), link->target,
                        strerror(EMLINK));
        }
    }
    if (S_ISDIR(n->mode)) {
        return fail(w, "Resolving hard link '%s' -> '%s': %s", path_of(link, path, sizeof(path)), link->target,
                    strerror(EPERM));
    }
    if (n->link_count == 0xFFFFFFFFu) {
        return fail(w, "Resolving hard link '%s' -> '%s': %s", path_of(link, path, sizeof(path)), link->target,
                    strerror(EMLINK));
    }
    link->link_state = NODE_HARD_LINK_RESOLVED;
    link->target_node = n;
    n->link_count++;
    return 0;
}

int resolve_hard_links(pcocc_sqfs *w, node *dir) {
    for (node *n = dir->children; n != NULL; n = n->next) {
        if (n->link_state == NODE_HARD_LINK) {
            if (resolve_hard_link(w, n) != 0) return -1;
        } else if (n->link_state == NODE_PLAIN && S_ISDIR(n->mode)) {
            if (resolve_hard_links(w, n) != 0) return -1;
        }
    }
    return 0;
}

/* tar2sqfs's numbering: a directory's subdirectories first (recursively), then its own children in name order. */
void number_inodes(pcocc_sqfs *w, node *dir) {
    for (node *n = dir->children; n != NULL; n = n->next) {
        if (n->link_state == NODE_PLAIN && S_ISDIR(n->mode)) number_inodes(w, n);
    }
    for (node *n = dir->children; n != NULL; n = n->next) {
        if (n->link_state == NODE_PLAIN) w->inodes[w->inode_count++] = n;
    }
}

void free_tree(node *dir) {
    node *n = dir->children;
    while (n != NULL) {
        node *next = n->next;
        if (n->link_state == NODE_PLAIN && S_ISDIR(n->mode)) free_tree(n);
        if (n->inode != NULL) sqfs_free(n->inode);
        free(n->target);
        free(n);
        n = next;
    }
}
