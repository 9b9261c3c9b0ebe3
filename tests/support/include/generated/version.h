/* The version the host tests build the hyp's core with (the target builds
 * get theirs from build.sh). */
#define BUILD_VERSION "host"
#define BUILD_ID 0ULL
