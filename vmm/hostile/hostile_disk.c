/*
 * hostile disk NAME (test builds only): a VMM that turns the boot disk,
 * which the hyp drives for it (HV_FN_DISK_IO), against a running VM: reads
 * into the VM's frame, the hyp's memory and the read-only bundle; writes
 * over the partition table and the boot partition (the hyp's own image);
 * bad arguments; the disk controller's registers read and written directly
 * (they are the hyp's); and CPU 1 giving the buffer's frame to a VM while
 * CPU 0 reads into it: no read that began after the give succeeded may
 * succeed. The VM's secret must stay as it was (the test checks its
 * heartbeat afterwards).
 */
#include <abi/hv_call.h>
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/arch.h>
#include <vmm/console.h>
#include <vmm/hostile.h>
#include <vmm/palloc.h>
#include <vmm/vm.h>
#include <vmm/vmm.h>

#if CONFIG_TEST_HOOKS

#define RACE_READS 2000
#define VM_RAM_AT UINT64_C(0x40000000)

static struct {
	u64 frame;
	u32 taker;
	volatile bool started;
	volatile bool given;
	volatile bool stop;
} race;

static bool give_task(u32 cpu)
{
	(void)cpu;
	__atomic_store_n(&race.started, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&race.stop, __ATOMIC_ACQUIRE)) {
		if (hv_prot_and_map(race.taker, VM_RAM_AT, race.frame | 3, 3) == HV_OK) {
			__atomic_store_n(&race.given, true, __ATOMIC_SEQ_CST);
			break;
		}
	}
	return true;
}

/* The disk controller's registers on this platform (the VMM is told none). */
static u64 controller(void)
{
	return strcmp(vmm_boot->platform, "rpi4") == 0 ? UINT64_C(0xfe300000)
						       : UINT64_C(0x0a003e00);
}

static const char *refused(int probe)
{
	return probe != 0 ? "refused" : "ALLOWED";
}

void hostile_disk(struct vm *vm)
{
	u64 info[3];
	u64 block = palloc_block();
	u64 sector;
	u64 word = 0;
	u64 c = 0;
	s64 st[10];
	u32 reads = 0;
	u32 denied = 0;
	u32 wrong = 0;
	int rd;
	int wr;

	if (hv_disk_io(HV_DISK_INFO, 0, 0, 0, info) != HV_OK || block == 0) {
		con_printf("hostile disk: no boot disk, or no scratch memory\n");
		return;
	}
	sector = info[1]; /* the first the VMM may write: harmless to read */
	/* The device writing memory that is not the VMM's. */
	st[0] = hv_disk_io(HV_DISK_READ, sector, vm->blocks[0], 1, NULL);
	st[1] = hv_disk_io(HV_DISK_READ, sector, vmm_boot->hyp.base, 1, NULL);
	st[2] = hv_disk_io(HV_DISK_READ, sector, vmm_boot->bundle.base, 1, NULL);
	/* Over the partition table and the boot partition. */
	st[3] = hv_disk_io(HV_DISK_WRITE, 0, block, 1, NULL);
	st[4] = hv_disk_io(HV_DISK_WRITE, info[1] - 1, block, 1, NULL);
	/* Unaligned, no sectors, too many, past the end, no such op. */
	st[5] = hv_disk_io(HV_DISK_READ, sector, block + 8, 1, NULL);
	st[6] = hv_disk_io(HV_DISK_READ, sector, block, 0, NULL);
	st[7] = hv_disk_io(HV_DISK_READ, sector, block, HV_DISK_MAX_SECTORS + 1, NULL);
	st[8] = hv_disk_io(HV_DISK_READ, info[0] - 1, block, 2, NULL);
	st[9] = hv_disk_io(9, sector, block, 1, NULL);
	/* The controller itself: its registers are the hyp's. */
	rd = probe_read64(controller(), &word);
	wr = probe_write64(controller() + 0x70, 0);
	/* The race: CPU 1 gives the frame away while CPU 0 reads into it. */
	race.frame = block;
	race.started = false;
	race.given = false;
	race.stop = false;
	if (hv_vm_create(VM_RAM_AT, BLOCK_SIZE, 0, &c) == HV_OK && vmm_cpus_running >= 2) {
		race.taker = (u32)c;
		hostile_post(1, give_task);
		while (!__atomic_load_n(&race.started, __ATOMIC_ACQUIRE)) {
			__asm__ volatile("yield");
		}
		for (u32 i = 0; i < RACE_READS; i++) {
			bool given = __atomic_load_n(&race.given, __ATOMIC_SEQ_CST);
			s64 r = hv_disk_io(HV_DISK_READ, sector, block, 8, NULL);

			reads++;
			denied += r == HV_E_DENIED;
			wrong += given && r == HV_OK;
		}
		__atomic_store_n(&race.stop, true, __ATOMIC_RELEASE);
		while (hostile_pending(1)) {
			__asm__ volatile("yield");
		}
	}
	con_printf("hostile disk %s: into its frame %ld, the hyp's %ld, the bundle %ld; over the "
		   "partition table %ld, the boot partition %ld\n",
		   vm->cfg.name, (long)st[0], (long)st[1], (long)st[2], (long)st[3], (long)st[4]);
	con_printf("hostile disk: unaligned %ld, none %ld, too many %ld, past the end %ld, no such "
		   "op %ld; its registers read %s, written %s\n",
		   (long)st[5], (long)st[6], (long)st[7], (long)st[8], (long)st[9], refused(rd),
		   refused(wr));
	con_printf("hostile disk: race: %u reads, %u refused, given %s, %u wrong\n", reads, denied,
		   race.given ? "yes" : "no", wrong);
	if (c != 0) {
		(void)hv_vm_stop(c);
		(void)hv_clear_vm_range(c, block >> PAGE_SHIFT, 1);
		(void)hv_vm_destroy(c);
	}
	palloc_free(block);
}

#endif
