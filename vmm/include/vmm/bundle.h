/*
 * The guest bundle (bundle.c): a cpio archive of the files the VMM reads
 * (VM configurations, kernels, test guests, disks), mapped read-only by
 * the hyp.
 */
#ifndef VMM_BUNDLE_H
#define VMM_BUNDLE_H

#include <lib/types.h>

/** Finds file `name` in the bundle; false if absent or malformed. */
bool bundle_find(const char *name, const u8 **data, u64 *size);
/**
 * The bundle's files one by one: *cursor starts at 0; returns false after
 * the last. Directories and the trailer are skipped.
 */
bool bundle_next(u64 *cursor, const char **name, u64 *size);

#endif /* VMM_BUNDLE_H */
