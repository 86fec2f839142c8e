#ifndef PCOCC_LAYER_DECOMPRESSOR_H
#define PCOCC_LAYER_DECOMPRESSOR_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Reads a layer blob (a tar file, plain, gzip or zstd) on a thread of its own, up to 32 MiB ahead of the caller, so
 * that decompression runs beside the flattener instead of in a child process behind a pipe (no copy through the
 * kernel, no helper to find). Concatenated gzip members and zstd frames are read as one stream, as Go's readers do;
 * anything after the last one is refused.
 */
typedef struct pcocc_layer pcocc_layer;

enum {
    PCOCC_LAYER_PLAIN = 0,
    PCOCC_LAYER_GZIP = 1,
    PCOCC_LAYER_ZSTD = 2,
};

/* Opens `path` and starts reading. NULL on failure, with a message in `error` (errno is kept). */
pcocc_layer *pcocc_layer_open(const char *path, int format, char *error, size_t error_size);

/* The next decompressed bytes: their size, with *data valid until the next call or pcocc_layer_close; 0 at the end
   of the stream; -1 when the blob cannot be read or decompressed (pcocc_layer_error says why). */
ssize_t pcocc_layer_next(pcocc_layer *layer, const void **data);

const char *pcocc_layer_error(const pcocc_layer *layer);

/* Stops the reading thread (wherever it is) and frees everything. NULL is accepted. */
void pcocc_layer_close(pcocc_layer *layer);

#endif
