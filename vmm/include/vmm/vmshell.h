/*
 * Console commands of the VM life cycle (vmshell.c): guest, create, start,
 * stop, run, list, info, console, destroy, shutdown, reboot, probe,
 * memset-bench, disk-save
 * (`help` says what each does).
 */
#ifndef VMM_VMSHELL_H
#define VMM_VMSHELL_H

#include <vmm/shell.h>

/** The commands, one for each name above. */
shell_cmd_t cmd_guest, cmd_create, cmd_start, cmd_stop, cmd_run, cmd_list, cmd_info, cmd_console,
	cmd_destroy, cmd_probe, cmd_memset_bench, cmd_disk_save, cmd_shutdown, cmd_reboot;

/**
 * Creates and starts the bundle's VMs that say `autostart = N`, in order of
 * N, and attaches the console to the first (CONFIG_VMM_AUTOSTART builds
 * call it once, before the first prompt).
 */
void vm_autostart(void);

#endif /* VMM_VMSHELL_H */
