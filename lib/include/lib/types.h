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

/**
 * A physical address as a plain number, as boot and platform data carry it
 * (device-tree values, the image's addresses). Interfaces that move frames
 * between address spaces take the checked types below instead.
 */
typedef uint64_t paddr_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE (UINT64_C(1) << PAGE_SHIFT)
#define BLOCK_SHIFT 21
#define BLOCK_SIZE (UINT64_C(1) << BLOCK_SHIFT)

/*
 * Addresses and frame numbers of the two spaces the memory core works in,
 * as distinct types: each is a structure, so that passing one where another
 * is expected does not compile (Hafnium's paddr_t and ipaddr_t). A value
 * enters from a plain number with X_of (a register, a descriptor, boot
 * data) and leaves with X_val; X_add moves it by a number of bytes (or
 * frames); the conversions between addresses and frames are named.
 */
#define ADDR_TYPE(type, x)                                      \
	typedef struct {                                        \
		u64 v;                                          \
	} type;                                                 \
	static inline type x##_of(u64 v)                        \
	{                                                       \
		return (type){ v };                             \
	}                                                       \
	static inline u64 x##_val(type a)                       \
	{                                                       \
		return a.v;                                     \
	}                                                       \
	static inline type x##_add(type a, u64 n)               \
	{                                                       \
		return (type){ a.v + n };                       \
	}

/* addr##_##frame: the frame that holds an address; frame##_##addr: the
 * first address of a frame. */
#define ADDR_FRAMES(addr_type, addr, frame_type, frame)         \
	static inline frame_type addr##_##frame(addr_type a)    \
	{                                                       \
		return (frame_type){ a.v >> PAGE_SHIFT };       \
	}                                                       \
	static inline addr_type frame##_##addr(frame_type f)    \
	{                                                       \
		return (addr_type){ f.v << PAGE_SHIFT };        \
	}

/** pa_t: a physical address, what a stage 2 maps to (pa_of, pa_val, pa_add). */
ADDR_TYPE(pa_t, pa)
/** ipa_t: an intermediate physical address, what the VMM or a VM sees as physical. */
ADDR_TYPE(ipa_t, ipa)
/** pfn_t: a physical frame number, physical address >> PAGE_SHIFT. */
ADDR_TYPE(pfn_t, pfn)
/** gfn_t: a guest frame number, IPA >> PAGE_SHIFT. */
ADDR_TYPE(gfn_t, gfn)
/* pa_pfn, pfn_pa; ipa_gfn, gfn_ipa */
ADDR_FRAMES(pa_t, pa, pfn_t, pfn)
ADDR_FRAMES(ipa_t, ipa, gfn_t, gfn)

/**
 * Where a program of this tree reads and writes physical memory: each maps
 * it at the same virtual address (the hyp's EL2 map; the VMM's EL1 map of
 * what it sees as physical).
 */
static inline void *pa_va(pa_t a)
{
	return (void *)(uintptr_t)a.v;
}

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
