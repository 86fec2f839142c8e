#ifndef PCOCC_FILE_CALLS_H
#define PCOCC_FILE_CALLS_H

#include <stddef.h>

/*
 * The few Linux calls the bundle directory writer needs that Swift's Glibc module does not import (sys/xattr.h,
 * _GNU_SOURCE declarations). Each returns what the system call returns, with errno set.
 */
int pcocc_fsetxattr(int fd, const char *name, const void *value, size_t size);

/* Flushes the whole file system holding fd: one call instead of an fsync per extracted file. */
int pcocc_syncfs(int fd);

/* Starts writing fd's dirty pages back without waiting (sync_file_range SYNC_FILE_RANGE_WRITE), so that the disk
   works while the extraction goes on and the final syncfs has little left to do. */
int pcocc_start_writeback(int fd);

#endif
