/*
 * The hostile VMM (test builds only, CONFIG_TEST_HOOKS): the attacks a
 * compromised VMM could make, as the `hostile` command (hostile.c and the
 * files of its larger attacks), the tasks it runs on the worker CPUs
 * (hostile_task.c), and its answer to guests' calls to the VMM
 * (hostile_hvc.c). A release build has none of it.
 */
#ifndef VMM_HOSTILE_H
#define VMM_HOSTILE_H

#include <lib/types.h>
#include <vmm/vm.h>

/** The hostile VMM's attacks: `hostile ...` (hostile.c). */
void cmd_hostile(int argc, char **argv);

/** A task a worker CPU runs between two vCPU runs; true once it is done. */
typedef bool (*hostile_task_t)(u32 cpu);

/** Gives worker CPU cpu the task t (it runs at its next look). */
void hostile_post(u32 cpu, hostile_task_t t);
/** Whether CPU cpu has not finished its task yet. */
bool hostile_pending(u32 cpu);
/** Runs the task posted to worker CPU cpu, if any; whether there was one. */
bool hostile_poll(u32 cpu);
/** Runs t on CPU 0 (the caller) and on every worker CPU, and waits. */
void hostile_everywhere(hostile_task_t t);

/** `hostile hvc on|off` (hostile_hvc.c). */
void cmd_hostile_hvc(int argc, char **argv);
/** Whether the hostile VMM answered a guest's call to the VMM (into reply). */
bool hostile_hvc_answer(struct vm *vm, u64 fn, u64 reply[4]);

/** hostile storm (hostile_storm.c). */
void hostile_storm(int argc, char **argv);
/** hostile lend NAME, NAME running (hostile_lend.c). */
void hostile_lend(struct vm *vm);
/** hostile disk NAME, NAME running (hostile_disk.c). */
void hostile_disk(struct vm *vm);
/** hostile latency CALLS (hostile_latency.c). */
void hostile_latency(int argc, char **argv);
/** hostile pmu-arm / pmu-check (hostile_pmu.c). */
void hostile_pmu_arm(void);
void hostile_pmu_check(void);
/** hostile fp-read (hostile_fp.c). */
void hostile_fp_read(void);

#endif /* VMM_HOSTILE_H */
