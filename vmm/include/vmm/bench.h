/*
 * The `bench` command (bench.c): instruction counts of the hyp's calls.
 */
#ifndef VMM_BENCH_H
#define VMM_BENCH_H

#include <vmm/shell.h>

/** bench: prints "BENCH <name> <median> <samples>" lines. */
shell_cmd_t cmd_bench;

#endif /* VMM_BENCH_H */
