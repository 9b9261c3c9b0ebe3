/*
 * The VMM's interactive console (shell.c): CPU 0's loop.
 */
#ifndef VMM_SHELL_H
#define VMM_SHELL_H

#include <lib/types.h>

/** A console command: argv[0] is its name as typed, argv[1..argc) its words. */
typedef void shell_cmd_t(int argc, char **argv);

/** Runs the interactive command loop; never returns. */
__noreturn void shell_run(void);

#endif /* VMM_SHELL_H */
