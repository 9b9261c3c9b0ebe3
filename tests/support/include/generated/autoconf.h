/*
 * The configuration the host tests build the hyp's core with (the target
 * builds get theirs from Kconfig: tools/build/kconfig.py).
 */
#define CONFIG_MAX_CPUS 4
#define CONFIG_VCPU_SLICE_US 10000
#define CONFIG_LOG_LEVEL 0
#define CONFIG_TEST_HOOKS 0
