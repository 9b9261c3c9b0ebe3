/*
 * Each VM's console as the VMM keeps it (vmcon.h): every byte of its
 * output goes to its history ring; an attached VM's also to the VMM's
 * console, as it is or line by line with a "[name] " prefix.
 */
#include <ctl/proto.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/vmcon.h>

u32 vm_attached;

static void show_lines(struct vm *vm, const char *buf, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\n' || vm->linelen + 1 >= sizeof(vm->line)) {
			vm->line[vm->linelen] = '\0';
			con_printf("[%s] %s\n", vm->cfg.name, vm->line);
			vm->linelen = 0;
			if (c == '\n') {
				continue;
			}
		}
		if (c != '\r') {
			vm->line[vm->linelen++] = c;
		}
	}
}

void vm_console_out(struct vm *vm, const char *buf, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		vm->ring[(vm->ring_total + i) % VM_CON_RING] = (u8)buf[i];
	}
	vm->ring_total += n;
	if ((vm_attached & (1U << (vm - vm_table))) == 0) {
		return;
	}
	/* The line also carries control frames: a guest's output must not
	 * start one (docs/control-protocol.md). */
	for (u32 i = 0; i < n; i++) {
		char c = buf[i] == CTL_SOF ? '?' : buf[i];

		if (vm->attach == ATTACH_RAW) {
			con_write(&c, 1);
		} else {
			show_lines(vm, &c, 1);
		}
	}
}

u32 vm_console_history(struct vm *vm, char *buf, u32 max)
{
	u64 n;

	spin_lock(&vm->lock);
	n = MIN(MIN((u64)max, vm->ring_total), (u64)VM_CON_RING);
	for (u64 i = 0; i < n; i++) {
		buf[i] = (char)vm->ring[(vm->ring_total - n + i) % VM_CON_RING];
	}
	spin_unlock(&vm->lock);
	return (u32)n;
}

void vm_attach(struct vm *vm, enum vm_attach how)
{
	spin_lock(&vm->lock);
	vm->attach = how;
	vm->linelen = 0;
	spin_unlock(&vm->lock);
	vm_attached |= 1U << (vm - vm_table);
}

void vm_detach(struct vm *vm)
{
	vm_attached &= ~(1U << (vm - vm_table));
}

void vm_detach_all(void)
{
	for (u32 i = 0; i < VM_MAX; i++) {
		if ((vm_attached & (1U << i)) != 0) {
			spin_lock(&vm_table[i].lock);
			vm_table[i].attach = ATTACH_NONE;
			spin_unlock(&vm_table[i].lock);
		}
	}
	vm_attached = 0;
}
