/*
 * What the hostile VMM's files share (test builds only: hostile.c,
 * hostile_pmu.c).
 */
#ifndef VMM_CORE_HOSTILE_H
#define VMM_CORE_HOSTILE_H

#include <vmm/vm.h>

/** A task a worker CPU runs between two vCPU runs; true once it is done. */
typedef bool (*hostile_task_t)(u32 cpu);

/** Gives worker CPU cpu the task t (it runs at its next look). */
void hostile_post(u32 cpu, hostile_task_t t);
/** Whether CPU cpu has not finished its task yet. */
bool hostile_pending(u32 cpu);

/** hostile storm (hostile_storm.c). */
void hostile_storm(int argc, char **argv);
/** hostile latency CALLS (hostile_latency.c). */
void hostile_latency(int argc, char **argv);
/** hostile pmu-arm / pmu-check (hostile_pmu.c). */
void hostile_pmu_arm(void);
void hostile_pmu_check(void);

#endif /* VMM_CORE_HOSTILE_H */
