/*
 * The hyp's console output. Lines go to the boot console UART, prefixed
 * "hyp: ", serialised across CPUs. Messages below CONFIG_LOG_LEVEL are
 * compiled out. A protected VM's data is never logged.
 */
#ifndef HYP_LOG_H
#define HYP_LOG_H

#include <generated/autoconf.h>
#include <lib/types.h>

#define LOG_ERROR 0
#define LOG_WARN 1
#define LOG_INFO 2
#define LOG_DEBUG 3

/** Selects the UART that log output goes to (enum hv_uart_kind, base). */
void log_init(u32 uart_kind, paddr_t base);
/** Enables the lock once the MMU is on and other CPUs may print. */
void log_enable_locking(void);

/** Prints one formatted message, unconditionally. */
void log_printf(const char *fmt, ...) __printf(1, 2);

#define LOG(level, ...)                                                       \
	do {                                                                  \
		if ((level) <= CONFIG_LOG_LEVEL) {                            \
			log_printf(__VA_ARGS__);                              \
		}                                                             \
	} while (0)

#define log_err(...) LOG(LOG_ERROR, "hyp: error: " __VA_ARGS__)
#define log_warn(...) LOG(LOG_WARN, "hyp: warning: " __VA_ARGS__)
#define log_info(...) LOG(LOG_INFO, "hyp: " __VA_ARGS__)
#define log_debug(...) LOG(LOG_DEBUG, "hyp: " __VA_ARGS__)

/** Reports an impossible internal state and stops this CPU. */
__noreturn void hyp_panic(const char *fmt, ...) __printf(1, 2);

#endif /* HYP_LOG_H */
