#define _GNU_SOURCE
#include "file_calls.h"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

int pcocc_fsetxattr(int fd, const char *name, const void *value, size_t size) {
    return fsetxattr(fd, name, value, size, 0);
}

int pcocc_syncfs(int fd) { return syncfs(fd); }

int pcocc_start_writeback(int fd) { return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE); }
