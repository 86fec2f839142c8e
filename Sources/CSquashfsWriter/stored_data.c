/*
 * File data of a stored image, written on the caller's thread.
 *
 * libsquashfs 1.2's block processor always starts a worker thread, even when nothing is compressed, and hands it
 * every 128 KiB block and every file's tail: for a 43,000-file image that is ~44,000 wake-ups of the worker and of the
 * writer, a sixth of the conversion's time on 2 CPUs. With nothing to compress there is nothing to hand over: this
 * packs the data the way the block processor and sqfs_block_writer pack it (same block and fragment layout, same
 * deduplication, same sparse blocks), in order, with the same inode fields, so the image is the one libsquashfs
 * writes. One difference, on the safe side: a duplicate tail must have equal bytes (libsquashfs 1.2 matches tails by
 * their 32-bit hash and size alone; it does compare the bytes of duplicate blocks).
 */
#include "writer_internal.h"

#define UNCOMPRESSED_FLAG (1u << 24)
#define EMPTY_SLOT SIZE_MAX

typedef struct {
    sqfs_u64 offset;
    sqfs_u64 hash;
    sqfs_u32 size; /* on-disk size word: the size with UNCOMPRESSED_FLAG */
} written_block;

typedef struct {
    sqfs_u64 hash;
    sqfs_u32 size, index, offset;
} fragment_chunk;

struct stored_data {
    sqfs_file_t *file;
    sqfs_frag_table_t *frag_table;

    /* The open file. */
    sqfs_inode_generic_t **inode;
    sqfs_u8 *block;
    size_t block_fill;
    sqfs_u32 block_index;  /* of the block being filled */
    int first_block;       /* no block of this file has gone out yet */
    sqfs_u64 file_start;   /* image size when its first block went out */
    size_t file_first;     /* index in `blocks` of its first stored block */

    /* Every block in the image, in order, and an index of them by hash (each slot the first block of a chain). */
    written_block *blocks;
    size_t block_count, block_capacity;
    size_t *block_slots;             /* open addressing on hash: the first block of each hash */
    size_t *block_next, *block_prev; /* the blocks of one hash, in image order */
    size_t *chain_tail;              /* for a chain's first block: its last one */
    size_t block_slot_count;

    /* The fragment block being filled, and every fragment stored so far by (hash, size). */
    sqfs_u8 *fragment;
    size_t fragment_fill;
    sqfs_u32 fragment_index;
    int fragment_open;
    fragment_chunk *chunks;
    size_t chunk_count, chunk_slot_count;

    sqfs_u8 *scratch; /* two blocks, to compare a candidate duplicate with what was written */
};

/* --- hashing ----------------------------------------------------------------------------------------------------- */

static inline sqfs_u64 rotate(sqfs_u64 x, int r) { return (x << r) | (x >> (64 - r)); }

/* A 64-bit hash of 4 interleaved lanes (xxh64's round): fast enough to run on the flattener's thread. Only a first
   filter: equal hashes are confirmed by comparing the bytes. */
static sqfs_u64 hash_bytes(const sqfs_u8 *data, size_t size) {
    const sqfs_u64 p1 = 0x9E3779B185EBCA87ull, p2 = 0xC2B2AE3D27D4EB4Full;
    sqfs_u64 lane[4] = {p1 + p2, p2, 0, (sqfs_u64)0 - p1};
    size_t i = 0;
    for (; i + 32 <= size; i += 32) {
        for (int l = 0; l < 4; ++l) {
            sqfs_u64 word;
            memcpy(&word, data + i + 8 * l, 8);
            lane[l] = rotate(lane[l] + word * p2, 31) * p1;
        }
    }
    sqfs_u64 h = rotate(lane[0], 1) + rotate(lane[1], 7) + rotate(lane[2], 12) + rotate(lane[3], 18) + size;
    for (; i < size; ++i) h = rotate(h ^ (data[i] * p1), 11) * p2;
    h ^= h >> 33;
    h *= p2;
    h ^= h >> 29;
    return h;
}

static int is_zero(const sqfs_u8 *data, size_t size) {
    return size == 0 || (data[0] == 0 && memcmp(data, data + 1, size - 1) == 0);
}

/* --- the inode's block list (as libsquashfs grows it) ------------------------------------------------------------ */

static int set_block_size(sqfs_inode_generic_t **inode, sqfs_u32 index, sqfs_u32 size) {
    size_t needed = ((size_t)index + 1) * sizeof(sqfs_u32);
    size_t available = (*inode)->payload_bytes_available;
    if (available < needed) {
        size_t grown = available != 0 ? available : sizeof(sqfs_u32) * 4;
        while (grown < needed) grown *= 2;
        if (grown > 0xFFFFFFFFu) return SQFS_ERROR_OVERFLOW;
        sqfs_inode_generic_t *bigger = realloc(*inode, sizeof(**inode) + grown);
        if (bigger == NULL) return SQFS_ERROR_ALLOC;
        *inode = bigger;
        (*inode)->payload_bytes_available = (sqfs_u32)grown;
    }
    (*inode)->extra[index] = size;
    if (needed >= (*inode)->payload_bytes_used) (*inode)->payload_bytes_used = (sqfs_u32)needed;
    return 0;
}

static int mark_sparse(sqfs_inode_generic_t **inode, sqfs_u32 index, size_t size) {
    sqfs_inode_make_extended(*inode);
    (*inode)->data.file_ext.sparse += size;
    return set_block_size(inode, index, 0);
}

/* --- written blocks ---------------------------------------------------------------------------------------------- */

static int grow_block_index(stored_data *s) {
    size_t count = s->block_slot_count != 0 ? s->block_slot_count * 2 : 1024;
    size_t *slots = malloc(count * sizeof(*slots));
    if (slots == NULL) return SQFS_ERROR_ALLOC;
    for (size_t i = 0; i < count; ++i) slots[i] = EMPTY_SLOT;
    for (size_t i = 0; i < s->block_slot_count; ++i) {
        size_t first = s->block_slots[i];
        if (first == EMPTY_SLOT) continue;
        size_t slot = (size_t)s->blocks[first].hash & (count - 1);
        while (slots[slot] != EMPTY_SLOT) slot = (slot + 1) & (count - 1);
        slots[slot] = first;
    }
    free(s->block_slots);
    s->block_slots = slots;
    s->block_slot_count = count;
    return 0;
}

/* The slot of the chain of blocks with `hash` (EMPTY_SLOT in it when there is none yet). */
static size_t block_slot(const stored_data *s, sqfs_u64 hash) {
    size_t mask = s->block_slot_count - 1, slot = (size_t)hash & mask;
    while (s->block_slots[slot] != EMPTY_SLOT && s->blocks[s->block_slots[slot]].hash != hash) slot = (slot + 1) & mask;
    return slot;
}

static int write_block(stored_data *s, const sqfs_u8 *data, size_t size, sqfs_u64 *location) {
    if (s->block_count == s->block_capacity) {
        size_t capacity = s->block_capacity != 0 ? s->block_capacity * 2 : 1024;
        written_block *blocks = realloc(s->blocks, capacity * sizeof(*blocks));
        if (blocks == NULL) return SQFS_ERROR_ALLOC;
        s->blocks = blocks;
        size_t **links[] = {&s->block_next, &s->block_prev, &s->chain_tail};
        for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); ++i) {
            size_t *grown = realloc(*links[i], capacity * sizeof(size_t));
            if (grown == NULL) return SQFS_ERROR_ALLOC;
            *links[i] = grown;
        }
        s->block_capacity = capacity;
    }
    if (s->block_count * 2 >= s->block_slot_count && grow_block_index(s) != 0) return SQFS_ERROR_ALLOC;
    sqfs_u64 offset = s->file->get_size(s->file);
    int ret = s->file->write_at(s->file, offset, data, size);
    if (ret != 0) return ret;
    size_t index = s->block_count++;
    written_block *block = &s->blocks[index];
    block->offset = offset;
    block->hash = hash_bytes(data, size);
    block->size = (sqfs_u32)size | UNCOMPRESSED_FLAG;
    s->block_next[index] = EMPTY_SLOT;
    size_t slot = block_slot(s, block->hash);
    if (s->block_slots[slot] == EMPTY_SLOT) {
        s->block_slots[slot] = index;
        s->block_prev[index] = EMPTY_SLOT;
        s->chain_tail[index] = index;
    } else { /* appended: chains stay in image order, so the first match found is the earliest, as libsquashfs's */
        size_t first = s->block_slots[slot], last = s->chain_tail[first];
        s->block_next[last] = index;
        s->block_prev[index] = last;
        s->chain_tail[first] = index;
    }
    *location = offset;
    return 0;
}

/* Forgets blocks from `count` on (their bytes were truncated away). Each is the last of its chain (the latest
   block), and each repeats the bytes of an earlier block (it was dropped for a duplicate run), so it is never a
   chain's first: its slot stays. */
static int drop_blocks(stored_data *s, size_t count) {
    while (s->block_count > count) {
        size_t index = --s->block_count, previous = s->block_prev[index];
        if (previous == EMPTY_SLOT) return SQFS_ERROR_INTERNAL;
        s->block_next[previous] = EMPTY_SLOT;
        s->chain_tail[s->block_slots[block_slot(s, s->blocks[index].hash)]] = previous;
    }
    return 0;
}

static int same_bytes(stored_data *s, sqfs_u64 a, sqfs_u64 b, size_t size) {
    int ret = s->file->read_at(s->file, a, s->scratch, size);
    if (ret == 0) ret = s->file->read_at(s->file, b, s->scratch + BLOCK_SIZE, size);
    if (ret != 0) return ret;
    return memcmp(s->scratch, s->scratch + BLOCK_SIZE, size) == 0 ? 1 : 0;
}

/* The earliest run of `count` blocks starting before the file's own that holds the same bytes, or EMPTY_SLOT. The run
   may overlap the file's blocks (a file repeating the previous file's last block): its tail is then the file's own. */
static size_t find_duplicate_run(stored_data *s, size_t count, int *error) {
    const written_block *own = &s->blocks[s->file_first];
    size_t candidate = s->block_slots[block_slot(s, own[0].hash)];
    for (; candidate != EMPTY_SLOT && candidate < s->file_first; candidate = s->block_next[candidate]) {
        size_t j = 0;
        while (j < count && s->blocks[candidate + j].hash == own[j].hash && s->blocks[candidate + j].size == own[j].size)
            ++j;
        for (size_t k = 0; j == count && k < count; ++k) {
            int same = same_bytes(s, s->blocks[candidate + k].offset, own[k].offset, own[k].size & ~UNCOMPRESSED_FLAG);
            if (same < 0) {
                *error = same;
                return EMPTY_SLOT;
            }
            if (!same) j = 0;
        }
        if (j == count) return candidate;
    }
    return EMPTY_SLOT;
}

/* The file's blocks are all out: point its inode at them, or at an earlier copy of them (then dropped). */
static int finish_blocks(stored_data *s) {
    size_t count = s->block_count - s->file_first;
    sqfs_u64 location = 0;
    if (count != 0) {
        int error = 0;
        size_t run = find_duplicate_run(s, count, &error);
        if (error != 0) return error;
        if (run == EMPTY_SLOT) {
            location = s->blocks[s->file_first].offset;
        } else {
            /* Keep what the run still needs of the file's own blocks (when it overlaps them), drop the rest. */
            size_t keep = run + count > s->file_first ? run + count : s->file_first;
            sqfs_u64 end = keep == s->file_first ? s->file_start : s->blocks[keep].offset;
            location = s->blocks[run].offset;
            int ret = drop_blocks(s, keep);
            if (ret == 0) ret = s->file->truncate(s->file, end);
            if (ret != 0) return ret;
        }
    }
    return sqfs_inode_set_file_block_start(*s->inode, location);
}

static int flush_full_block(stored_data *s) {
    if (s->first_block) {
        s->first_block = 0;
        s->file_start = s->file->get_size(s->file);
        s->file_first = s->block_count;
    }
    sqfs_u32 index = s->block_index++;
    size_t size = s->block_fill;
    s->block_fill = 0;
    if (is_zero(s->block, size)) return mark_sparse(s->inode, index, size);
    sqfs_u64 location;
    int ret = write_block(s, s->block, size, &location);
    if (ret != 0) return ret;
    return set_block_size(s->inode, index, (sqfs_u32)size | UNCOMPRESSED_FLAG);
}

/* --- fragments --------------------------------------------------------------------------------------------------- */

static int write_fragment_block(stored_data *s) {
    sqfs_u64 location;
    int ret = write_block(s, s->fragment, s->fragment_fill, &location);
    if (ret == 0)
        ret = sqfs_frag_table_set(s->frag_table, s->fragment_index, location,
                                  (sqfs_u32)s->fragment_fill | UNCOMPRESSED_FLAG);
    s->fragment_open = 0;
    s->fragment_fill = 0;
    return ret;
}

static int grow_chunks(stored_data *s) {
    size_t count = s->chunk_slot_count != 0 ? s->chunk_slot_count * 2 : 4096;
    fragment_chunk *slots = calloc(count, sizeof(*slots));
    if (slots == NULL) return SQFS_ERROR_ALLOC;
    for (size_t i = 0; i < s->chunk_slot_count; ++i) {
        fragment_chunk *chunk = &s->chunks[i];
        if (chunk->size == 0) continue;
        size_t slot = (size_t)chunk->hash & (count - 1);
        while (slots[slot].size != 0) slot = (slot + 1) & (count - 1);
        slots[slot] = *chunk;
    }
    free(s->chunks);
    s->chunks = slots;
    s->chunk_slot_count = count;
    return 0;
}

/* The bytes of a stored fragment: in the open fragment block, or read back from the image. */
static int chunk_matches(stored_data *s, const fragment_chunk *chunk, const sqfs_u8 *data) {
    if (s->fragment_open && chunk->index == s->fragment_index)
        return memcmp(s->fragment + chunk->offset, data, chunk->size) == 0;
    sqfs_fragment_t entry;
    int ret = sqfs_frag_table_lookup(s->frag_table, chunk->index, &entry);
    if (ret == 0) ret = s->file->read_at(s->file, entry.start_offset + chunk->offset, s->scratch, chunk->size);
    if (ret != 0) return ret;
    return memcmp(s->scratch, data, chunk->size) == 0;
}

static int add_fragment(stored_data *s, const sqfs_u8 *data, size_t size) {
    if (s->chunk_count * 2 >= s->chunk_slot_count && grow_chunks(s) != 0) return SQFS_ERROR_ALLOC;
    sqfs_u64 hash = hash_bytes(data, size);
    size_t mask = s->chunk_slot_count - 1, slot = (size_t)hash & mask;
    for (; s->chunks[slot].size != 0; slot = (slot + 1) & mask) {
        fragment_chunk *chunk = &s->chunks[slot];
        if (chunk->hash != hash || chunk->size != size) continue;
        int same = chunk_matches(s, chunk, data);
        if (same < 0) return same;
        if (same) return sqfs_inode_set_frag_location(*s->inode, chunk->index, chunk->offset);
    }
    if (s->fragment_open && s->fragment_fill + size > BLOCK_SIZE) {
        int ret = write_fragment_block(s);
        if (ret != 0) return ret;
    }
    if (!s->fragment_open) {
        int ret = sqfs_frag_table_append(s->frag_table, 0, 0, &s->fragment_index);
        if (ret != 0) return ret;
        s->fragment_open = 1;
        s->fragment_fill = 0;
    }
    sqfs_u32 offset = (sqfs_u32)s->fragment_fill;
    memcpy(s->fragment + offset, data, size);
    s->fragment_fill += size;
    s->chunks[slot] = (fragment_chunk){.hash = hash, .size = (sqfs_u32)size, .index = s->fragment_index,
                                       .offset = offset};
    s->chunk_count++;
    return sqfs_inode_set_frag_location(*s->inode, s->fragment_index, offset);
}

/* --- the calls --------------------------------------------------------------------------------------------------- */

stored_data *stored_data_create(sqfs_file_t *file, sqfs_frag_table_t *frag_table) {
    stored_data *s = calloc(1, sizeof(*s));
    if (s == NULL) return NULL;
    s->file = file;
    s->frag_table = frag_table;
    s->block = malloc(BLOCK_SIZE);
    s->fragment = malloc(BLOCK_SIZE);
    s->scratch = malloc(2 * BLOCK_SIZE);
    if (s->block == NULL || s->fragment == NULL || s->scratch == NULL || grow_block_index(s) != 0 ||
        grow_chunks(s) != 0) {
        stored_data_destroy(s);
        return NULL;
    }
    return s;
}

int stored_data_begin_file(stored_data *s, sqfs_inode_generic_t **inode) {
    if (s->inode != NULL) return SQFS_ERROR_SEQUENCE;
    *inode = calloc(1, sizeof(**inode));
    if (*inode == NULL) return SQFS_ERROR_ALLOC;
    (*inode)->base.type = SQFS_INODE_FILE;
    sqfs_inode_set_frag_location(*inode, 0xFFFFFFFFu, 0xFFFFFFFFu);
    s->inode = inode;
    s->block_fill = 0;
    s->block_index = 0;
    s->first_block = 1;
    return 0;
}

int stored_data_append(stored_data *s, const void *data, size_t size) {
    if (s->inode == NULL) return SQFS_ERROR_SEQUENCE;
    sqfs_u64 file_size;
    sqfs_inode_get_file_size(*s->inode, &file_size);
    int ret = sqfs_inode_set_file_size(*s->inode, file_size + size);
    while (ret == 0 && size > 0) {
        size_t room = BLOCK_SIZE - s->block_fill, part = size < room ? size : room;
        memcpy(s->block + s->block_fill, data, part);
        s->block_fill += part;
        data = (const sqfs_u8 *)data + part;
        size -= part;
        if (s->block_fill == BLOCK_SIZE) ret = flush_full_block(s);
    }
    return ret;
}

int stored_data_end_file(stored_data *s) {
    if (s->inode == NULL) return SQFS_ERROR_SEQUENCE;
    int ret = 0;
    /* libsquashfs's order: the file's blocks are settled (deduplicated) before its tail becomes a fragment. */
    if (!s->first_block) ret = finish_blocks(s);
    if (ret == 0 && s->block_fill != 0) {
        if (is_zero(s->block, s->block_fill)) {
            ret = mark_sparse(s->inode, s->block_index, s->block_fill);
        } else {
            ret = add_fragment(s, s->block, s->block_fill);
        }
    }
    s->block_fill = 0;
    s->inode = NULL;
    return ret;
}

int stored_data_finish(stored_data *s) {
    if (s->inode != NULL) return SQFS_ERROR_SEQUENCE;
    return s->fragment_open ? write_fragment_block(s) : 0;
}

void stored_data_destroy(stored_data *s) {
    if (s == NULL) return;
    free(s->block);
    free(s->fragment);
    free(s->scratch);
    free(s->blocks);
    free(s->block_next);
    free(s->block_prev);
    free(s->chain_tail);
    free(s->block_slots);
    free(s->chunks);
    free(s);
}
