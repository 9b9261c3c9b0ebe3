/*
 * A VM's virtio devices in the VMM (vdev.h): their MMIO slots, guest
 * memory as they reach it, their interrupts, the block device's disk and
 * the virtual switch between network ports.
 *
 * Guest memory: a guest-physical address becomes the VMM address of the
 * block the VMM gave for it, and every copy goes through guest_copy, so an
 * access the hyp refuses (the VM did not grant that page, or revoked it)
 * fails the request instead of the VMM.
 *
 * The switch (vswitch.h): one port per VM slot with a network device. A
 * frame sent by one VM is queued (under sw_lock) for the port whose address
 * it is for, or for every other port if it is a broadcast or multicast; a
 * frame whose source address is not the sender's own, or that finds a full
 * queue, is dropped. Queued frames are delivered into a VM's receive
 * buffers under that VM's lock, by vm_io_flush after every exit and when
 * the VM posts buffers. Lock order: a VM's lock, then sw_lock.
 */
#include <lib/lib.h>
#include <vmm/images.h>
#include <vmm/vm.h>
#include <vmm/vswitch.h>

static struct vswitch sw;
static spinlock_t sw_lock;
static u32 sw_pending; /* ports with frames queued */

/* ---------------------------------------------------- guest memory ---- */

bool vm_ram_range(const struct vm *vm, u64 gpa, u64 len)
{
	u64 size = (u64)vm->nblocks * BLOCK_SIZE;

	return gpa >= vm->ram_ipa && len <= size && gpa - vm->ram_ipa <= size - len;
}

static bool vmem_valid(void *ctx, u64 gpa, u64 len)
{
	return len != 0 && vm_ram_range(ctx, gpa, len);
}

static int vmem_copy(struct vm *vm, u64 gpa, u8 *buf, u64 len, bool to_guest)
{
	if (!vm_ram_range(vm, gpa, len)) {
		return -1;
	}
	while (len > 0) {
		u64 off = gpa - vm->ram_ipa;
		u64 pa = vm->blocks[off / BLOCK_SIZE];
		u64 n = MIN(len, BLOCK_SIZE - off % BLOCK_SIZE);
		void *g = (void *)(uintptr_t)(pa + off % BLOCK_SIZE);

		if (pa == 0 || (to_guest ? guest_copy(g, buf, n) : guest_copy(buf, g, n)) != 0) {
			return -1;
		}
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int vmem_read(void *ctx, u64 gpa, void *buf, u64 len)
{
	return vmem_copy(ctx, gpa, buf, len, false);
}

static int vmem_write(void *ctx, u64 gpa, const void *buf, u64 len)
{
	return vmem_copy(ctx, gpa, (u8 *)(uintptr_t)buf, len, true);
}

static struct vmem vmem_of(struct vm *vm)
{
	return (struct vmem){ vm, vmem_valid, vmem_read, vmem_write };
}

/* ---------------------------------------------------------- switch ---- */

static void sw_send(void *ctx, const u8 *frame, u32 len)
{
	u32 from = (u32)((struct vm *)ctx - vm_table);

	spin_lock(&sw_lock);
	sw_pending |= vswitch_send(&sw, from, frame, len);
	spin_unlock(&sw_lock);
}

/* Moves vm's queued frames into its receive buffers (vm->lock held). */
static void sw_deliver(struct vm *vm)
{
	u32 p = (u32)(vm - vm_table);
	const struct vswitch_frame *f;
	struct vmem m = vmem_of(vm);
	struct vdev *d = &vm->vdev[VDEV_NET];

	spin_lock(&sw_lock);
	while ((f = vswitch_head(&sw, p)) != NULL) {
		int st = vnet_receive(d, &m, f->data, f->len);

		if (st == 0) {
			break; /* no buffer posted: the frame waits */
		}
		if (st < 0) {
			vswitch_drop_queue(&sw, p); /* the device needs a reset */
			break;
		}
		vswitch_pop(&sw, p);
	}
	if (vswitch_head(&sw, p) == NULL) {
		__atomic_and_fetch(&sw_pending, ~(1U << p), __ATOMIC_RELAXED);
	}
	spin_unlock(&sw_lock);
}

void vm_io_flush(void)
{
	u32 pending = __atomic_load_n(&sw_pending, __ATOMIC_RELAXED);

	for (u32 p = 0; p < VM_MAX && pending != 0; p++) {
		struct vm *vm = &vm_table[p];

		if ((pending & (1U << p)) == 0) {
			continue;
		}
		pending &= ~(1U << p);
		if (!spin_trylock(&vm->lock)) {
			continue; /* its own exit is being served: flushed after it */
		}
		if (sw.port[p].up) {
			sw_deliver(vm);
			vm_irq_line(vm, VM_VIRTIO_INTID + VDEV_NET, virtio_mmio_irq(&vm->vdev[VDEV_NET].mmio),
				    &vm->vdev[VDEV_NET].irq_raised);
		}
		spin_unlock(&vm->lock);
	}
}

/* ---------------------------------------------------------- devices ---- */

static void con_out(void *ctx, const char *buf, u32 len)
{
	vm_console_out(ctx, buf, len);
}

static const char *const dev_name[VDEV_SLOTS] = { "virtio-blk", "virtio-net", "virtio-console" };

static void refused(struct vm *vm, u32 slot, int st)
{
	if (st < 0 && vm_log_allowed(vm)) {
		con_printf("vm %s: %s refused the driver's request: %s; the device needs a reset\n",
			   vm->cfg.name, dev_name[slot], virtq_strerror(st));
	}
}

/* Moves typed bytes into the console's receive buffers (lock held). */
static void con_deliver(struct vm *vm)
{
	struct vdev *d = &vm->vdev[VDEV_CON];
	struct vmem m = vmem_of(vm);
	int n;

	while (vm->hvc_in_len != 0 &&
	       (n = vcon_receive(d, &m, vm->hvc_in, vm->hvc_in_len)) > 0) {
		memmove(vm->hvc_in, vm->hvc_in + n, vm->hvc_in_len - (u32)n);
		vm->hvc_in_len -= (u32)n;
	}
	if ((d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0) {
		vm->hvc_in_len = 0;
	}
}

bool vm_io_console_in(struct vm *vm, u8 c)
{
	struct vdev *d = &vm->vdev[VDEV_CON];

	if (vm->hvc_in_len == sizeof(vm->hvc_in)) {
		con_deliver(vm);
		if (vm->hvc_in_len == sizeof(vm->hvc_in)) {
			return false;
		}
	}
	vm->hvc_in[vm->hvc_in_len++] = c;
	con_deliver(vm);
	vm_irq_line(vm, VM_VIRTIO_INTID + VDEV_CON, virtio_mmio_irq(&d->mmio), &d->irq_raised);
	return true;
}

/* Serves what the driver notified on device `slot` (lock held). */
static void serve(struct vm *vm, u32 slot)
{
	struct vdev *d = &vm->vdev[slot];
	struct vmem m = vmem_of(vm);

	switch (slot) {
	case VDEV_BLK:
		refused(vm, slot, vblk_process(d, &m, &vm->disk));
		break;
	case VDEV_NET:
		if ((d->mmio.notified & 2U) != 0) {
			refused(vm, slot, vnet_transmit(d, &m, sw_send, vm));
		}
		if ((d->mmio.notified & 1U) != 0) {
			d->mmio.notified &= ~1U;
			sw_deliver(vm);
			if ((d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0) {
				refused(vm, slot, d->last_error);
			}
		}
		break;
	case VDEV_CON:
		refused(vm, slot, vcon_transmit(d, &m, con_out, vm));
		if ((d->mmio.notified & 1U) != 0) {
			d->mmio.notified &= ~1U; /* buffers posted for typed input */
			con_deliver(vm);
		}
		break;
	default:
		break;
	}
}

bool vm_io_mmio(struct vm *vm, u64 ipa, u64 size, bool write, u64 val, u64 *out)
{
	u32 slot;
	struct vdev *d;

	if (ipa < VM_VIRTIO_IPA || ipa >= VM_VIRTIO_IPA + VDEV_SLOTS * VM_VIRTIO_STRIDE) {
		return false;
	}
	slot = (u32)((ipa - VM_VIRTIO_IPA) / VM_VIRTIO_STRIDE);
	d = &vm->vdev[slot];
	*out = virtio_mmio_access(&d->mmio, (ipa - VM_VIRTIO_IPA) % VM_VIRTIO_STRIDE, (u32)size,
				  write, (u32)val);
	vdev_sync(d);
	if (d->present && d->mmio.notified != 0) {
		serve(vm, slot);
	}
	vm_irq_line(vm, VM_VIRTIO_INTID + slot, virtio_mmio_irq(&d->mmio), &d->irq_raised);
	return true;
}

int vm_io_create(struct vm *vm, char *why, size_t whylen)
{
	const struct vm_config *c = &vm->cfg;
	u32 p = (u32)(vm - vm_table);

	for (u32 s = 0; s < VDEV_SLOTS; s++) {
		/* An empty slot: device id 0 (4.2.3.1.1). */
		virtio_mmio_init(&vm->vdev[s].mmio, 0, 0, 0, 0, NULL, 0);
	}
	if (c->disk[0] != '\0') {
		const u8 *img;
		u64 len;

		if (!image_find(c->disk, &img, &len)) {
			fmt_format(why, whylen, "no image '%s' uploaded or in the bundle", c->disk);
			return -VM_E_NO_IMAGE;
		}
		if (len == 0 || len % 512 != 0) {
			fmt_format(why, whylen, "disk '%s' is not a whole number of 512-byte sectors",
				   c->disk);
			return -VM_E_BAD_IMAGE;
		}
		/* A copy: the VM's writes stay until it ends (or disk-save keeps them). */
		vm->disk_blocks = (u32)((len + BLOCK_SIZE - 1) / BLOCK_SIZE);
		vm->disk_pa = palloc_run(vm->disk_blocks);
		if (vm->disk_pa == 0) {
			vm->disk_blocks = 0;
			fmt_format(why, whylen, "no room for a copy of disk '%s'", c->disk);
			return -VM_E_NO_MEMORY;
		}
		memcpy((void *)(uintptr_t)vm->disk_pa, img, len);
		vm->disk = (struct vblk_disk){ (u8 *)(uintptr_t)vm->disk_pa, len, c->disk_ro };
		vblk_init(&vm->vdev[VDEV_BLK], &vm->disk);
	}
	if (c->vif) {
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
		vswitch_attach(&sw, p, c->mac);
		spin_unlock(&sw_lock);
	}
	if (c->vconsole) {
		vcon_init(&vm->vdev[VDEV_CON]);
	}
	return 0;
}

void vm_io_destroy(struct vm *vm)
{
	u32 p = (u32)(vm - vm_table);

	spin_lock(&vm->lock);
	spin_lock(&sw_lock);
	vswitch_detach(&sw, p);
	__atomic_and_fetch(&sw_pending, ~(1U << p), __ATOMIC_RELAXED);
	spin_unlock(&sw_lock);
	for (u32 s = 0; s < VDEV_SLOTS; s++) {
		vm->vdev[s].present = false;
	}
	spin_unlock(&vm->lock);
	for (u32 b = 0; b < vm->disk_blocks; b++) {
		palloc_free(vm->disk_pa + (u64)b * BLOCK_SIZE);
	}
	vm->disk_blocks = 0;
	vm->disk_pa = 0;
}

int vm_disk_save(struct vm *vm, const char *image, char *why, size_t whylen)
{
	size_t n = strnlen(image, IMAGE_NAME_MAX + 1);
	struct image *im;

	if (vm->disk_blocks == 0) {
		fmt_format(why, whylen, "vm %s has no disk", vm->cfg.name);
		return -VM_E_STATE;
	}
	if (n == 0 || n > IMAGE_NAME_MAX) {
		fmt_format(why, whylen, "image names are 1-%u characters", IMAGE_NAME_MAX);
		return -VM_E_BAD_IMAGE;
	}
	im = image_begin(image, vm->disk.size);
	if (im == NULL) {
		fmt_format(why, whylen, "no room for %lu KiB (or %u images kept)",
			   (unsigned long)(vm->disk.size >> 10), IMAGES_MAX);
		return -VM_E_NO_MEMORY;
	}
	/* Its requests are served under its lock: the copy is of one moment. */
	spin_lock(&vm->lock);
	memcpy((void *)(uintptr_t)im->addr, vm->disk.data, vm->disk.size);
	spin_unlock(&vm->lock);
	im->received = im->size;
	im->complete = true;
	return 0;
}

void vm_io_port_drops(struct vm *vm, u64 *spoofed, u64 *undelivered)
{
	const struct vswitch_port *port = &sw.port[vm - vm_table];

	spin_lock(&sw_lock);
	*spoofed = port->up ? port->spoofed : 0;
	*undelivered = port->up ? port->undelivered : 0;
	spin_unlock(&sw_lock);
}

void vm_io_info(struct vm *vm)
{
	for (u32 s = 0; s < VDEV_SLOTS; s++) {
		const struct vdev *d = &vm->vdev[s];

		if (!d->present) {
			continue;
		}
		con_printf("  %-15s %lu requests, %lu refused%s%s", dev_name[s],
			   (unsigned long)d->requests, (unsigned long)d->refusals,
			   (d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0 ? ": needs reset: " : "",
			   (d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) != 0
				   ? virtq_strerror(d->last_error)
				   : "");
		if (s == VDEV_NET) {
			u64 spoofed;
			u64 undelivered;

			vm_io_port_drops(vm, &spoofed, &undelivered);
			con_printf("; frames dropped: %lu spoofed, %lu undelivered",
				   (unsigned long)spoofed, (unsigned long)undelivered);
		}
		con_printf("\n");
	}
}
