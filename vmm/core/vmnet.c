/*
 * The VMs' ports on the virtual switch (vmnet.h; the switch is vswitch.h):
 * one port per VM slot with a network device. A frame sent by one VM is
 * queued (under sw_lock) for the port whose address it is for, or for every
 * other port if it is a broadcast or multicast; a frame whose source
 * address is not the sender's own, or that finds a full queue, is dropped.
 * Queued frames are delivered into a VM's receive buffers under that VM's
 * lock, by vmnet_flush after every exit, before each of its runs and when
 * the VM posts buffers.
 * Lock order: a VM's lock, then sw_lock.
 */
#include <lib/lib.h>
#include <vmm/guestmem.h>
#include <vmm/vdev.h>
#include <vmm/vmirq.h>
#include <vmm/vmnet.h>
#include <vmm/vswitch.h>

static struct vswitch sw;
static spinlock_t sw_lock;
u32 vmnet_pending;

int vmnet_attach(struct vm *vm, char *why, size_t whylen)
{
	const struct vm_config *c = &vm->cfg;

	for (u32 i = 0; i < VM_MAX; i++) {
		if (sw.port[i].up && memcmp(sw.port[i].mac, c->mac, 6) == 0) {
			fmt_format(why, whylen, "vif %02x:%02x:%02x:%02x:%02x:%02x is vm %s's",
				   c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4],
				   c->mac[5], vm_table[i].cfg.name);
			return -VM_E_EXISTS;
		}
	}
	vnet_init(&vm->vdev[VDEV_NET], c->mac);
	spin_lock(&sw_lock);
	vswitch_attach(&sw, (u32)(vm - vm_table), c->mac);
	spin_unlock(&sw_lock);
	return 0;
}

void vmnet_detach(struct vm *vm)
{
	u32 p = (u32)(vm - vm_table);

	spin_lock(&sw_lock);
	vswitch_detach(&sw, p);
	__atomic_and_fetch(&vmnet_pending, ~(1U << p), __ATOMIC_RELAXED);
	spin_unlock(&sw_lock);
}

/* Each VMM CPU's copy of the frame its VM is sending (under that VM's lock). */
static _Alignas(8) u8 tx_buf[VMM_MAX_CPUS][VNET_GSO_FRAME_MAX];

u8 *vmnet_tx_buf(void)
{
	return tx_buf[vmm_cpu() % VMM_MAX_CPUS];
}

void vmnet_send(void *ctx, const u8 *frame, u32 len, const struct vnet_meta *meta)
{
	u32 from = (u32)((struct vm *)ctx - vm_table);

	spin_lock(&sw_lock);
	vmnet_pending |= vswitch_send(&sw, from, frame, len, meta);
	spin_unlock(&sw_lock);
}

void vmnet_deliver(struct vm *vm)
{
	/* A frame made whole for a port that does not take offloads
	 * (under sw_lock). */
	static u8 scratch[VNET_FRAME_MAX];
	u32 p = (u32)(vm - vm_table);
	struct vmem m = guestmem_of(vm);
	struct vdev *d = &vm->vdev[VDEV_NET];
	const u32 takes = vnet_takes(d);
	struct vnet_meta meta;
	const u8 *data;
	u32 len;

	/* Frames delivered per hold of sw_lock: a frame cut into segments
	 * waits for the next flush past that, and no other VM's send or
	 * delivery waits long for the lock. */
	u32 budget = VSWITCH_QUEUE;

	spin_lock(&sw_lock);
	while (budget-- != 0 && (len = vswitch_next(&sw, p, takes, scratch, &data, &meta)) != 0) {
		int st = vnet_receive(d, &m, data, len, &meta);

		if (st == 0) {
			break; /* no buffer posted: the frame waits */
		}
		if (st < 0) {
			vswitch_drop_queue(&sw, p); /* the device needs a reset */
			break;
		}
		vswitch_advance(&sw, p);
	}
	if (vswitch_head(&sw, p) == NULL) {
		__atomic_and_fetch(&vmnet_pending, ~(1U << p), __ATOMIC_RELAXED);
	}
	spin_unlock(&sw_lock);
}

void vmnet_flush(void)
{
	u32 pending = __atomic_load_n(&vmnet_pending, __ATOMIC_RELAXED);

	for (u32 p = 0; p < VM_MAX && pending != 0; p++) {
		struct vm *vm = &vm_table[p];

		if ((pending & (1U << p)) == 0) {
			continue;
		}
		pending &= ~(1U << p);
		/* Waited for, not tried: its holder may be about to run a
		 * vCPU that waits in the guest, with no exit to flush after. */
		spin_lock(&vm->lock);
		vmnet_flush_vm(vm);
		spin_unlock(&vm->lock);
	}
}

void vmnet_flush_vm(struct vm *vm)
{
	u32 p = (u32)(vm - vm_table);

	if ((__atomic_load_n(&vmnet_pending, __ATOMIC_RELAXED) & (1U << p)) != 0 && sw.port[p].up) {
		vmnet_deliver(vm);
		vm_irq_line(vm, VM_VIRTIO_INTID + VDEV_NET, virtio_mmio_irq(&vm->vdev[VDEV_NET].mmio),
			    &vm->vdev[VDEV_NET].irq_raised);
	}
}

void vmnet_port_drops(struct vm *vm, u64 *spoofed, u64 *undelivered)
{
	const struct vswitch_port *port = &sw.port[vm - vm_table];

	spin_lock(&sw_lock);
	*spoofed = port->up ? port->spoofed : 0;
	*undelivered = port->up ? port->undelivered : 0;
	spin_unlock(&sw_lock);
}
