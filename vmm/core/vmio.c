/*
 * A VM's virtio devices in the VMM (vmio.h, the devices are vdev.h): their
 * MMIO slots, the requests the driver notifies, served through the VM's
 * memory as guestmem.h reaches it, their interrupts, typed input, and the
 * block device's disk. Frames go through the switch (vmnet.h).
 */
#include <abi/hv_call.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/guestmem.h>
#include <vmm/images.h>
#include <vmm/medium.h>
#include <vmm/palloc.h>
#include <vmm/pl011.h>
#include <vmm/vdev.h>
#include <vmm/vmcon.h>
#include <vmm/vmio.h>
#include <vmm/vmirq.h>
#include <vmm/vmnet.h>

/* A disk on the boot medium: each VM's buffer for its requests' chunks. */
#define DISK_CHUNK (HV_DISK_MAX_SECTORS * 512)
static u8 disk_chunk[VM_MAX][DISK_CHUNK] __aligned(4096);

static int part_io(void *ctx, bool write, u64 sector, void *buf, u32 n)
{
	return medium_io(ctx, write, sector, buf, n) == HV_OK ? 0 : -1;
}

static int part_flush(void *ctx)
{
	(void)ctx;
	return medium_flush() == HV_OK ? 0 : -1;
}

/* vm's disk on partition n of the boot medium; 0 or a negative vm_error. */
static int part_disk(struct vm *vm, u32 n, char *why, size_t whylen)
{
	struct medium_part *p = medium_take(n, vm, why, whylen);

	if (p == NULL) {
		return -VM_E_NO_IMAGE;
	}
	vm->disk_part = p;
	vm->disk = (struct vblk_disk){ .size = p->sectors * 512,
				       .read_only = vm->cfg.disk_ro,
				       .io = part_io,
				       .flush = part_flush,
				       .ctx = p,
				       .chunk = disk_chunk[vm - vm_table],
				       .chunk_len = DISK_CHUNK };
	vblk_init(&vm->vdev[VDEV_BLK], &vm->disk);
	return 0;
}

static void con_out(void *ctx, const char *buf, u32 len)
{
	vm_console_out(ctx, buf, len);
}

static const char *const dev_name[VDEV_SLOTS] = { "virtio-blk", "virtio-net", "virtio-console",
						    "virtio-input" };

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
	struct vmem m = guestmem_of(vm);
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

/* Types byte c into vm's virtio console (lock held); false if the bytes
 * waiting for the driver's buffers fill the queue. */
static bool console_in(struct vm *vm, u8 c)
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

bool vm_io_type(struct vm *vm, u8 c)
{
	bool ok;

	spin_lock(&vm->lock);
	if (vm->hvc_input && vm->vdev[VDEV_CON].present) {
		ok = console_in(vm, c);
	} else {
		ok = vm->uart.rx_count < PL011_RX_FIFO && pl011_receive(&vm->uart, c);
		vm_uart_update(vm);
	}
	spin_unlock(&vm->lock);
	return ok;
}

/* Sends the key events waiting for the input driver's buffers (lock held). */
static void keys_deliver(struct vm *vm)
{
	struct vdev *d = &vm->vdev[VDEV_INPUT];
	struct vmem m = guestmem_of(vm);
	int n = vinput_send(d, &m, vm->keys, vm->nkeys);

	if (n < 0) {
		refused(vm, VDEV_INPUT, n);
		vm->nkeys = 0;
		return;
	}
	memmove(vm->keys, vm->keys + n, (vm->nkeys - (u32)n) * sizeof(vm->keys[0]));
	vm->nkeys -= (u32)n;
}

bool vm_io_press(struct vm *vm, u16 code)
{
	struct vdev *d = &vm->vdev[VDEV_INPUT];
	const struct vinput_event press[] = {
		{ VINPUT_EV_KEY, code, 1 },
		{ VINPUT_EV_SYN, 0, 0 },
		{ VINPUT_EV_KEY, code, 0 },
		{ VINPUT_EV_SYN, 0, 0 },
	};
	bool ok;

	spin_lock(&vm->lock);
	ok = d->present && (d->mmio.status & VIRTIO_STATUS_DRIVER_OK) != 0 &&
	     (d->mmio.status & VIRTIO_STATUS_NEEDS_RESET) == 0;
	if (ok && vm->nkeys + ARRAY_SIZE(press) <= ARRAY_SIZE(vm->keys)) {
		memcpy(vm->keys + vm->nkeys, press, sizeof(press));
		vm->nkeys += ARRAY_SIZE(press);
	}
	if (ok) {
		keys_deliver(vm);
		vm_irq_line(vm, VM_VIRTIO_INTID + VDEV_INPUT, virtio_mmio_irq(&d->mmio),
			    &d->irq_raised);
	}
	spin_unlock(&vm->lock);
	return ok;
}

/* Serves what the driver notified on device `slot` (lock held). */
static void serve(struct vm *vm, u32 slot)
{
	struct vdev *d = &vm->vdev[slot];
	struct vmem m = guestmem_of(vm);

	switch (slot) {
	case VDEV_BLK:
		refused(vm, slot, vblk_process(d, &m, &vm->disk));
		break;
	case VDEV_NET:
		if ((d->mmio.notified & 2U) != 0) {
			refused(vm, slot, vnet_transmit(d, &m, vmnet_tx_buf(), vmnet_send, vm));
		}
		if ((d->mmio.notified & 1U) != 0) {
			d->mmio.notified &= ~1U;
			vmnet_deliver(vm);
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
	case VDEV_INPUT:
		if ((d->mmio.notified & 2U) != 0) {
			refused(vm, slot, vinput_status(d, &m));
		}
		if ((d->mmio.notified & 1U) != 0) {
			d->mmio.notified &= ~1U; /* event buffers posted */
			keys_deliver(vm);
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
	if (slot == VDEV_INPUT && d->present && write) {
		vinput_config(d); /* the driver selected what it reads next */
	}
	vdev_sync(d);
	if (d->present && d->mmio.notified != 0) {
		serve(vm, slot);
	}
	vm_irq_line(vm, VM_VIRTIO_INTID + slot, virtio_mmio_irq(&d->mmio), &d->irq_raised);
	return true;
}

int vm_io_create(struct vm *vm, struct vm_disk_copy *kept, char *why, size_t whylen)
{
	const struct vm_config *c = &vm->cfg;

	for (u32 s = 0; s < VDEV_SLOTS; s++) {
		/* An empty slot: device id 0 (4.2.3.1.1). */
		virtio_mmio_init(&vm->vdev[s].mmio, 0, 0, 0, 0, NULL, 0);
	}
	if (medium_name(c->disk) != 0) {
		int err = part_disk(vm, medium_name(c->disk), why, whylen);

		if (err != 0) {
			return err;
		}
	} else if (c->disk[0] != '\0' && kept != NULL && kept->blocks != 0) {
		/* A restart: the disk as the VM left it. */
		vm->disk_pa = kept->pa;
		vm->disk_blocks = kept->blocks;
		vm->disk = (struct vblk_disk){ .data = (u8 *)(uintptr_t)kept->pa,
					       .size = kept->size,
					       .read_only = c->disk_ro };
		*kept = (struct vm_disk_copy){ 0, 0, 0 };
		vblk_init(&vm->vdev[VDEV_BLK], &vm->disk);
	} else if (c->disk[0] != '\0') {
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
		vm->disk = (struct vblk_disk){ .data = (u8 *)(uintptr_t)vm->disk_pa,
					       .size = len,
					       .read_only = c->disk_ro };
		vblk_init(&vm->vdev[VDEV_BLK], &vm->disk);
	}
	if (c->vif) {
		int err = vmnet_attach(vm, why, whylen);

		if (err != 0) {
			return err;
		}
	}
	if (c->vconsole) {
		vcon_init(&vm->vdev[VDEV_CON]);
	}
	if (c->io_window_mib != 0) {
		/* Its driver needs DMA: a power button for VMs with a window. */
		vinput_init(&vm->vdev[VDEV_INPUT]);
	}
	return 0;
}

void vm_io_destroy(struct vm *vm)
{
	spin_lock(&vm->lock);
	vmnet_detach(vm);
	for (u32 s = 0; s < VDEV_SLOTS; s++) {
		vm->vdev[s].present = false;
	}
	spin_unlock(&vm->lock);
	for (u32 b = 0; b < vm->disk_blocks; b++) {
		palloc_free(vm->disk_pa + (u64)b * BLOCK_SIZE);
	}
	vm->disk_blocks = 0;
	vm->disk_pa = 0;
	if (vm->disk_part != NULL) {
		(void)medium_flush(); /* what it wrote is on the medium */
		medium_release(vm->disk_part);
		vm->disk_part = NULL;
	}
}

void vm_io_take_disk(struct vm *vm, struct vm_disk_copy *out)
{
	*out = (struct vm_disk_copy){ vm->disk_pa, vm->disk_blocks, vm->disk.size };
	vm->disk_blocks = 0;
	vm->disk_pa = 0;
}

void vm_io_free_disk(struct vm_disk_copy *d)
{
	for (u32 b = 0; b < d->blocks; b++) {
		palloc_free(d->pa + (u64)b * BLOCK_SIZE);
	}
	*d = (struct vm_disk_copy){ 0, 0, 0 };
}

/* Copies vm's disk (lock held) to n sectors at `to` (VMM memory), or to
 * partition `part` if to is NULL; 0 or -1. */
static int disk_copy(struct vm *vm, u8 *to, struct medium_part *part)
{
	u64 n = vm->disk.size / 512;
	u8 *chunk = disk_chunk[vm - vm_table];

	if (vm->disk_part == NULL && to != NULL) {
		memcpy(to, vm->disk.data, vm->disk.size);
		return 0;
	}
	if (vm->disk_part == NULL) {
		return medium_io(part, true, 0, vm->disk.data, n) == HV_OK ? 0 : -1;
	}
	if (to != NULL) {
		return medium_io(vm->disk_part, false, 0, to, n) == HV_OK ? 0 : -1;
	}
	for (u64 s = 0; s < n; s += DISK_CHUNK / 512) {
		u64 k = MIN(n - s, (u64)(DISK_CHUNK / 512));

		if (medium_io(vm->disk_part, false, s, chunk, k) != HV_OK ||
		    medium_io(part, true, s, chunk, k) != HV_OK) {
			return -1;
		}
	}
	return 0;
}

/* disk-save to partition n of the boot medium. */
static int save_to_part(struct vm *vm, u32 n, char *why, size_t whylen)
{
	struct medium_part *p;
	int err;

	if (vm->disk_part != NULL && medium_part_number(vm->disk_part) == n) {
		fmt_format(why, whylen, "partition %u of the boot medium is vm %s's own disk", n,
			   vm->cfg.name);
		return -VM_E_STATE;
	}
	p = medium_take(n, vm, why, whylen);
	if (p == NULL) {
		return -VM_E_NO_IMAGE;
	}
	if (vm->disk.size > p->sectors * 512) {
		fmt_format(why, whylen, "the disk (%lu KiB) is larger than partition %u (%lu KiB)",
			   (unsigned long)(vm->disk.size >> 10), n,
			   (unsigned long)(p->sectors / 2));
		medium_release(p);
		return -VM_E_NO_MEMORY;
	}
	spin_lock(&vm->lock);
	err = disk_copy(vm, NULL, p);
	spin_unlock(&vm->lock);
	if (err == 0 && medium_flush() != HV_OK) {
		err = -1;
	}
	medium_release(p);
	if (err != 0) {
		fmt_format(why, whylen, "the boot medium failed a write");
		return -VM_E_HYP;
	}
	return 0;
}

int vm_disk_save(struct vm *vm, const char *image, char *why, size_t whylen)
{
	size_t n = strnlen(image, IMAGE_NAME_MAX + 1);
	struct image *im;
	int err;

	if (vm->disk_blocks == 0 && vm->disk_part == NULL) {
		fmt_format(why, whylen, "vm %s has no disk", vm->cfg.name);
		return -VM_E_STATE;
	}
	if (medium_name(image) != 0) {
		return save_to_part(vm, medium_name(image), why, whylen);
	}
	if (strncmp(image, MEDIUM_PREFIX, strlen(MEDIUM_PREFIX)) == 0) {
		fmt_format(why, whylen, "'%s': the boot medium's partitions are %s1 to %s%u", image,
			   MEDIUM_PREFIX, MEDIUM_PREFIX, MEDIUM_PARTS);
		return -VM_E_BAD_IMAGE;
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
	err = disk_copy(vm, (u8 *)(uintptr_t)im->addr, NULL);
	spin_unlock(&vm->lock);
	if (err != 0) {
		image_drop(im);
		fmt_format(why, whylen, "the boot medium failed a read");
		return -VM_E_HYP;
	}
	im->received = im->size;
	im->complete = true;
	return 0;
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

			vmnet_port_drops(vm, &spoofed, &undelivered);
			con_printf("; frames dropped: %lu spoofed, %lu undelivered",
				   (unsigned long)spoofed, (unsigned long)undelivered);
		}
		con_printf("\n");
	}
}
