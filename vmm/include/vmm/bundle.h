/*
 * The guest bundle (bundle.c): a cpio archive of the files the VMM reads
 * (VM configurations, kernels, test guests, disks), mapped read-only by
 * the hyp, or read from the boot medium as it is needed.
 */
#ifndef VMM_BUNDLE_H
#define VMM_BUNDLE_H

#include <lib/types.h>

/**
 * Finds the bundle: loaded by the boot loader, or on the boot medium (a
 * partition of type 0xda, whose index it reads). After medium_init.
 */
void bundle_init(void);
/**
 * Finds file `name` in the bundle (reading it from the boot medium the
 * first time, if it is there); false if absent, malformed or unreadable.
 */
bool bundle_find(const char *name, const u8 **data, u64 *size);
/**
 * The bundle's files one by one: *cursor starts at 0; returns false after
 * the last. Directories and the trailer are skipped.
 */
bool bundle_next(u64 *cursor, const char **name, u64 *size);

#endif /* VMM_BUNDLE_H */
