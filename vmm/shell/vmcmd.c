/*
 * Console commands that drive the hyp's memory calls by hand: create a VM,
 * give it memory, grant and revoke on its behalf (test builds only:
 * CONFIG_TEST_HOOKS), stop, clear and destroy it, and inspect frames. They
 * exist for operators debugging the memory interface and for the boot tests.
 */
#include <abi/hv_call.h>
#include <generated/autoconf.h>
#include <lib/lib.h>
#include <vmm/console.h>
#include <vmm/vmcmd.h>
#include <vmm/vmm.h>

static const char *status_name(s64 st)
{
	switch (st) {
	case HV_OK:
		return "ok";
	case HV_E_NOT_SUPPORTED:
		return "not supported";
	case HV_E_INVALID:
		return "invalid argument";
	case HV_E_DENIED:
		return "denied";
	case HV_E_BUSY:
		return "busy (wrong state)";
	case HV_E_NO_MEMORY:
		return "out of memory";
	case HV_E_NOT_FOUND:
		return "no such VM";
	case HV_E_LIMIT:
		return "share count limit";
	case HV_E_NOT_GRANTED:
		return "not granted";
	default:
		return "unknown error";
	}
}

static bool parse_args(int argc, char **argv, int first, int n, u64 *out)
{
	if (argc - first < n) {
		return false;
	}
	for (int i = 0; i < n; i++) {
		if (!fmt_parse_u64(argv[first + i], strlen(argv[first + i]), &out[i])) {
			return false;
		}
	}
	return true;
}

static void report(const char *what, s64 st)
{
	con_printf("%s: %s (%ld)\n", what, status_name(st), (long)st);
}

/* A raw VM's RAM unless `vm create BASE SIZE` says otherwise. */
#define RAW_VM_RAM_SIZE (UINT64_C(16) << 20)

#if CONFIG_TEST_HOOKS
#define VM_USAGE_GRANT " | grant ID GPA SIZE | revoke ID GPA SIZE"
#else
#define VM_USAGE_GRANT ""
#endif

/* vm create [BASE SIZE] | start ID | stop ID | destroy ID | map ID GPA PA 4k|2m |
 * clear ID, and in test builds grant ID GPA SIZE | revoke ID GPA SIZE */
void cmd_vm(int argc, char **argv)
{
	u64 a[3];
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "create") == 0 && (argc == 2 || parse_args(argc, argv, 2, 2, a))) {
		u64 vmid;
		s64 st = argc == 2 ? hv_vm_create(0, RAW_VM_RAM_SIZE, 0, &vmid)
				   : hv_vm_create(a[0], a[1], 0, &vmid);

		if (st == HV_OK) {
			con_printf("vm create: vmid %lu\n", (unsigned long)vmid);
		} else {
			report("vm create", st);
		}
	} else if (strcmp(sub, "start") == 0 && parse_args(argc, argv, 2, 1, a)) {
		report("vm start", hv_vm_start(a[0]));
	} else if (strcmp(sub, "stop") == 0 && parse_args(argc, argv, 2, 1, a)) {
		report("vm stop", hv_vm_stop(a[0]));
	} else if (strcmp(sub, "destroy") == 0 && parse_args(argc, argv, 2, 1, a)) {
		report("vm destroy", hv_vm_destroy(a[0]));
	} else if (strcmp(sub, "map") == 0 && argc == 6 && parse_args(argc, argv, 2, 3, a)) {
		u64 level = strcmp(argv[5], "2m") == 0 ? 2 : 3;

		report("vm map", hv_prot_and_map(a[0], a[1], a[2] | 3, level));
	} else if (strcmp(sub, "clear") == 0 && parse_args(argc, argv, 2, 1, a)) {
		/* every frame of every RAM range */
		s64 st = HV_OK;

		for (u32 i = 0; i < vmm_boot->num_ram && st == HV_OK; i++) {
			const struct hv_region *rg = &vmm_boot->ram[i];

			st = hv_clear_vm_range(a[0], rg->base >> 12, rg->size >> 12);
		}
		report("vm clear", st);
#if CONFIG_TEST_HOOKS
	} else if ((strcmp(sub, "grant") == 0 || strcmp(sub, "revoke") == 0) &&
		   parse_args(argc, argv, 2, 3, a)) {
		bool grant = sub[0] == 'g';
		s64 st;

		/* A call does a bounded part of the range: > 0 is how far. */
		while ((st = grant ? hv_test_grant(a[0], a[1], a[2])
				   : hv_test_revoke(a[0], a[1], a[2])) > 0) {
			a[1] += (u64)st;
			a[2] -= (u64)st;
		}
		report(grant ? "vm grant" : "vm revoke", st);
#endif
	} else {
		con_printf("usage: vm create [RAM_BASE RAM_SIZE] | start ID | stop ID | destroy ID | "
			   "clear ID\n"
			   "       vm map ID GPA PA 4k|2m" VM_USAGE_GRANT "\n");
	}
}

/* frames [OWNER]: frame counts from the hyp; page PFN: one frame's record */
void cmd_frames(int argc, char **argv)
{
	u64 owner = 0;
	struct hv_mem_info mi;
	s64 st;

	if (argc > 2 || (argc == 2 && !parse_args(argc, argv, 1, 1, &owner))) {
		con_printf("usage: frames [OWNER] (0 VMM, 1.. VM, 254 hyp)\n");
		return;
	}
	st = hv_mem_info(owner, &mi);
	if (st != HV_OK) {
		report("frames", st);
		return;
	}
	con_printf("owner %lu: %lu frames, %lu table pages; pool %lu pages free\n",
		   (unsigned long)owner, (unsigned long)mi.frames, (unsigned long)mi.table_pages,
		   (unsigned long)mi.pool_free);
}

void cmd_page(int argc, char **argv)
{
	u64 pfn;
	struct hv_page_info pi;

	if (!parse_args(argc, argv, 1, 1, &pfn) || argc != 2) {
		con_printf("usage: page PFN\n");
		return;
	}
	(void)hv_page_info(pfn, &pi);
	con_printf("pfn 0x%lx: owner %lu count %lu gfn 0x%lx\n", (unsigned long)pfn,
		   (unsigned long)pi.owner, (unsigned long)pi.count, (unsigned long)pi.gfn);
}
