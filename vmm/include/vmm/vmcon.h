/*
 * Each VM's console as the VMM keeps it (vmcon.c): a ring of its output
 * history, and the VMM's console attached to it (its output shown byte for
 * byte or line by line).
 */
#ifndef VMM_VMCON_H
#define VMM_VMCON_H

#include <lib/types.h>
#include <vmm/vm.h>

/** The VMs the console is attached to (bitmap of slots); 0: the shell. */
extern u32 vm_attached;

/** Appends console output of vm (its lock held) and shows it if attached. */
void vm_console_out(struct vm *vm, const char *buf, u32 n);
/** Copies the last up to `max` bytes of vm's console history; returns how many. */
u32 vm_console_history(struct vm *vm, char *buf, u32 max);
/** Attaches the console to vm: its output is shown as `how` says. */
void vm_attach(struct vm *vm, enum vm_attach how);
/** Detaches the console from vm. */
void vm_detach(struct vm *vm);
/** Detaches the console from every VM. */
void vm_detach_all(void);

#endif /* VMM_VMCON_H */
