/*
 * The `bench` command (bench.c): instruction counts of the hyp's calls.
 */
#ifndef VMM_BENCH_H
#define VMM_BENCH_H

void cmd_bench(int argc, char **argv);

#endif /* VMM_BENCH_H */
