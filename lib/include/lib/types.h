/*
 * Basic types shared by every program in the tree. Addresses of
 * different spaces are distinct types so that a physical address cannot be
 * passed where a guest address is expected without a visible conversion.
 */
#ifndef LIB_TYPES_H
#define LIB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef int64_t s64;
typedef int32_t s32;

/** A physical address. */
typedef uint64_t paddr_t;
/** A physical frame number (physical address >> PAGE_SHIFT). */
typedef uint64_t pfn_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE (UINT64_C(1) << PAGE_SHIFT)
#define BLOCK_SHIFT 21
#define BLOCK_SIZE (UINT64_C(1) << BLOCK_SHIFT)

#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (u64)(a) - 1, (a))
#define IS_ALIGNED(x, a) (((x) & ((u64)(a) - 1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define __must_check __attribute__((warn_unused_result))
#define __noreturn __attribute__((noreturn))
#define __aligned(n) __attribute__((aligned(n)))
#define __printf(a, b) __attribute__((format(printf, a, b)))

#endif /* LIB_TYPES_H */
