#define _GNU_SOURCE
#include "layer_decompressor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* 32 chunks of 1 MiB: the reader thread stays up to 32 MiB ahead. The flattener opens the layer below when it starts
   a layer, so two of these run at once: the layer below decompresses on whatever CPU the flattener and the current
   layer leave, and is well ahead when its turn comes (bench/convert on 2 CPUs: 1.31x the floor with 8 chunks, 1.25x
   with 32; 64 gave 1.13x for 35 MB more memory). The flattener never holds a whole layer in memory. */
#define CHUNK_SIZE ((size_t)1 << 20)
#define CHUNKS 32
#define INPUT_SIZE ((size_t)256 << 10)

struct pcocc_layer {
    int fd;
    int format;
    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned char *chunks;
    size_t sizes[CHUNKS];
    /* Chunks published by the thread, handed to the caller, given back by the caller: produced - released chunks
       are in use, the caller holds at most one of them. */
    unsigned long produced, taken, released;
    int holding;
    int finished;
    int failed;
    int stopping;
    char error[512];
    /* The thread's own: compressed input (INPUT_SIZE bytes). */
    unsigned char *input;
};

static unsigned char *chunk_at(pcocc_layer *l, unsigned long n) { return l->chunks + (n % CHUNKS) * CHUNK_SIZE; }

/* Waits for a chunk the caller no longer uses; NULL once the caller is closing. */
static unsigned char *free_chunk(pcocc_layer *l) {
    pthread_mutex_lock(&l->lock);
    while (l->produced - l->released >= CHUNKS && !l->stopping) pthread_cond_wait(&l->changed, &l->lock);
    unsigned char *chunk = l->stopping ? NULL : chunk_at(l, l->produced);
    pthread_mutex_unlock(&l->lock);
    return chunk;
}

static void publish(pcocc_layer *l, size_t size) {
    if (size == 0) return;
    pthread_mutex_lock(&l->lock);
    l->sizes[l->produced % CHUNKS] = size;
    l->produced++;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
}

static void finish(pcocc_layer *l, const char *format, ...) {
    pthread_mutex_lock(&l->lock);
    if (format != NULL) {
        va_list arguments;
        va_start(arguments, format);
        vsnprintf(l->error, sizeof l->error, format, arguments);
        va_end(arguments);
        l->failed = 1;
    }
    l->finished = 1;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
}

/* Fills the input buffer: bytes read, 0 at the end of the file, -1 with errno set. */
static ssize_t read_input(pcocc_layer *l, unsigned char *into, size_t size) {
    for (;;) {
        ssize_t count = read(l->fd, into, size);
        if (count >= 0 || errno != EINTR) return count;
    }
}

static void read_plain(pcocc_layer *l) {
    for (;;) {
        unsigned char *chunk = free_chunk(l);
        if (chunk == NULL) return finish(l, NULL);
        size_t size = 0;
        while (size < CHUNK_SIZE) {
            ssize_t count = read_input(l, chunk + size, CHUNK_SIZE - size);
            if (count < 0) return finish(l, "cannot read the blob: %s", strerror(errno));
            if (count == 0) break;
            size += (size_t)count;
        }
        publish(l, size);
        if (size < CHUNK_SIZE) return finish(l, NULL);
    }
}

static void read_gzip(pcocc_layer *l) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, 15 + 16) != Z_OK) return finish(l, "cannot start zlib (out of memory)");
    int in_member = 0;
    unsigned long members = 0;
    for (;;) {
        unsigned char *chunk = free_chunk(l);
        if (chunk == NULL) break;
        stream.next_out = chunk;
        stream.avail_out = (uInt)CHUNK_SIZE;
        int ended = 0;
        while (stream.avail_out > 0 && !ended) {
            if (stream.avail_in == 0) {
                ssize_t count = read_input(l, l->input, INPUT_SIZE);
                if (count < 0) {
                    inflateEnd(&stream);
                    return finish(l, "cannot read the blob: %s", strerror(errno));
                }
                if (count == 0) {
                    ended = 1;
                    break;
                }
                stream.next_in = l->input;
                stream.avail_in = (uInt)count;
            }
            in_member = 1;
            int status = inflate(&stream, Z_NO_FLUSH);
            if (status == Z_STREAM_END) {
                /* Another member may follow, as gzip -dc and Go's multistream reader read them. */
                members++;
                in_member = 0;
                inflateReset(&stream);
            } else if (status != Z_OK && status != Z_BUF_ERROR) {
                const char *why = stream.msg != NULL ? stream.msg : zError(status);
                int trailing = members > 0 && stream.total_out == 0;
                publish(l, CHUNK_SIZE - stream.avail_out);
                inflateEnd(&stream);
                if (trailing) return finish(l, "has data after the end of its gzip stream (%s)", why);
                return finish(l, "the gzip data is damaged (%s)", why);
            }
        }
        publish(l, CHUNK_SIZE - stream.avail_out);
        if (ended) {
            inflateEnd(&stream);
            if (in_member) return finish(l, "the gzip data is cut short (the blob is incomplete)");
            if (members == 0) return finish(l, "is empty, not gzip data");
            return finish(l, NULL);
        }
    }
    inflateEnd(&stream);
    finish(l, NULL);
}

static void read_zstd(pcocc_layer *l) {
    ZSTD_DStream *stream = ZSTD_createDStream();
    if (stream == NULL) return finish(l, "cannot start zstd (out of memory)");
    ZSTD_initDStream(stream);
    ZSTD_inBuffer in = {l->input, 0, 0};
    int any_input = 0;
    int input_ended = 0;
    size_t pending = 1; /* ZSTD_decompressStream's hint: 0 once a frame is decoded and flushed */
    for (;;) {
        unsigned char *chunk = free_chunk(l);
        if (chunk == NULL) break;
        ZSTD_outBuffer out = {chunk, CHUNK_SIZE, 0};
        int ended = 0;
        while (out.pos < out.size && !ended) {
            if (in.pos == in.size && !input_ended) {
                ssize_t count = read_input(l, l->input, INPUT_SIZE);
                if (count < 0) {
                    ZSTD_freeDStream(stream);
                    return finish(l, "cannot read the blob: %s", strerror(errno));
                }
                in.size = (size_t)count;
                in.pos = 0;
                input_ended = count == 0;
                any_input |= count > 0;
            }
            size_t before = out.pos;
            if (input_ended && pending == 0) {
                ended = 1;
                break;
            }
            pending = ZSTD_decompressStream(stream, &out, &in);
            if (ZSTD_isError(pending)) {
                publish(l, before);
                ZSTD_freeDStream(stream);
                return finish(l, "the zstd data is damaged (%s)", ZSTD_getErrorName(pending));
            }
            if (input_ended && out.pos == before && pending != 0) {
                publish(l, out.pos);
                ZSTD_freeDStream(stream);
                if (!any_input) return finish(l, "is empty, not zstd data");
                return finish(l, "the zstd data is cut short (the blob is incomplete)");
            }
        }
        publish(l, out.pos);
        if (ended) break;
    }
    ZSTD_freeDStream(stream);
    finish(l, NULL);
}

static void *read_layer(void *argument) {
    pcocc_layer *l = argument;
    /* Behind the flattener (nice 5, a third of its share of a CPU): it is the one to wait for at the end of a
       conversion, and the readers mostly fill their chunks ahead of it (1.25x the floor -> 1.18x). Only this
       process's own threads are concerned on an otherwise idle node; a busy one slows the readers a little more. */
    (void)setpriority(PRIO_PROCESS, (id_t)gettid(), 5);
    switch (l->format) {
    case PCOCC_LAYER_GZIP: read_gzip(l); break;
    case PCOCC_LAYER_ZSTD: read_zstd(l); break;
    default: read_plain(l); break;
    }
    return NULL;
}

pcocc_layer *pcocc_layer_open(const char *path, int format, char *error, size_t error_size) {
    pcocc_layer *l = calloc(1, sizeof *l);
    if (l == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    l->format = format;
    l->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (l->fd < 0) {
        int saved = errno;
        snprintf(error, error_size, "cannot open %s: %s", path, strerror(saved));
        free(l);
        errno = saved;
        return NULL;
    }
    (void)posix_fadvise(l->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    l->chunks = malloc(CHUNK_SIZE * CHUNKS);
    l->input = format == PCOCC_LAYER_PLAIN ? NULL : malloc(INPUT_SIZE);
    if (l->chunks == NULL || (format != PCOCC_LAYER_PLAIN && l->input == NULL)) {
        snprintf(error, error_size, "out of memory");
        pcocc_layer_close(l);
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->changed, NULL);
    int status = pthread_create(&l->thread, NULL, read_layer, l);
    if (status != 0) {
        snprintf(error, error_size, "cannot start a thread: %s", strerror(status));
        pthread_cond_destroy(&l->changed);
        pthread_mutex_destroy(&l->lock);
        pcocc_layer_close(l);
        errno = status;
        return NULL;
    }
    l->thread_started = 1;
    (void)pthread_setname_np(l->thread, "pcocc-layer");
    return l;
}

ssize_t pcocc_layer_next(pcocc_layer *l, const void **data) {
    pthread_mutex_lock(&l->lock);
    if (l->holding) {
        l->released++;
        l->holding = 0;
        pthread_cond_broadcast(&l->changed);
    }
    while (l->taken == l->produced && !l->finished) pthread_cond_wait(&l->changed, &l->lock);
    ssize_t size;
    if (l->taken < l->produced) {
        *data = chunk_at(l, l->taken);
        size = (ssize_t)l->sizes[l->taken % CHUNKS];
        l->taken++;
        l->holding = 1;
    } else {
        size = l->failed ? -1 : 0;
    }
    pthread_mutex_unlock(&l->lock);
    return size;
}

const char *pcocc_layer_error(const pcocc_layer *l) { return l->error; }

void pcocc_layer_close(pcocc_layer *l) {
    if (l == NULL) return;
    if (l->thread_started) {
        pthread_mutex_lock(&l->lock);
        l->stopping = 1;
        pthread_cond_broadcast(&l->changed);
        pthread_mutex_unlock(&l->lock);
        pthread_join(l->thread, NULL);
        pthread_cond_destroy(&l->changed);
        pthread_mutex_destroy(&l->lock);
    }
    if (l->fd >= 0) close(l->fd);
    free(l->chunks);
    free(l->input);
    free(l);
}
