/*
 * Making the calls of hv_abi.h from EL1: the one HVC stub and a typed
 * wrapper per call, named after it (Hafnium's vmapi/hf/call.h is the
 * model). The VMM and the test guests compile it; the hyp and the host
 * tests do not (it is AArch64 inline assembly).
 *
 * A wrapper takes the call's arguments by name and returns its status (x0:
 * HV_OK, a negative HV_E_* code, or for GRANT and REVOKE how far they got);
 * results come back through an out-structure or pointer, filled from x1..x3
 * whatever the status, as the hyp wrote them. VCPU_RUN returns its exit
 * record, struct hv_exit. Every argument keeps the register's 64 bits, so a
 * wrapper never changes what reaches the hyp: the hyp checks the ranges.
 *
 * A call that no wrapper expresses (an unknown function id, on purpose, in
 * the tests) builds its registers in a struct hv_regs and calls hv_hvc().
 */
#ifndef HV_CALL_H
#define HV_CALL_H

#include <abi/hv_abi.h>

#ifndef __aarch64__
#error "abi/hv_call.h issues HVC: AArch64 only"
#endif

/** x0..x6 of a call: the function id and arguments in, the results out. */
struct hv_regs {
	uint64_t x[7];
};

/**
 * The one call stub: HVC #0 with x0..x6 from r, and x0..x6 back into r
 * (docs/ipc.md: a call leaves every register it does not name as a result
 * unchanged). Returns x0, the status.
 */
static inline int64_t hv_hvc(struct hv_regs *r)
{
	register uint64_t x0 __asm__("x0") = r->x[0];
	register uint64_t x1 __asm__("x1") = r->x[1];
	register uint64_t x2 __asm__("x2") = r->x[2];
	register uint64_t x3 __asm__("x3") = r->x[3];
	register uint64_t x4 __asm__("x4") = r->x[4];
	register uint64_t x5 __asm__("x5") = r->x[5];
	register uint64_t x6 __asm__("x6") = r->x[6];

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6)
			 :
			 : "memory");
	*r = (struct hv_regs){ { x0, x1, x2, x3, x4, x5, x6 } };
	return (int64_t)x0;
}

/* A call whose only result is its status. */
#define HV_CALL(...) hv_hvc(&(struct hv_regs){ { __VA_ARGS__ } })

/** HV_FN_VERSION's results. */
struct hv_version {
	uint64_t major;
	uint64_t minor;
	uint64_t build_id; /* for logs only */
};

/** HV_FN_CPU_INFO's results. */
struct hv_cpu_info {
	uint64_t online; /* physical CPUs running */
	uint64_t self;   /* index of the calling CPU */
};

/** HV_FN_MEM_INFO's results. */
struct hv_mem_info {
	uint64_t frames;      /* frames the owner owns */
	uint64_t table_pages; /* table pages its stage 2 uses */
	uint64_t pool_free;   /* free table pages in the hyp's pool */
};

/** HV_FN_PAGE_INFO's results. */
struct hv_page_info {
	uint64_t owner; /* HV_OWNER_* or a vmid */
	uint64_t count; /* grants outstanding */
	uint64_t gfn;
};

static inline int64_t hv_version(struct hv_version *out)
{
	struct hv_regs r = { { HV_FN_VERSION } };
	int64_t st = hv_hvc(&r);

	*out = (struct hv_version){ r.x[1] >> 16, r.x[1] & 0xffff, r.x[2] };
	return st;
}

static inline int64_t hv_cpu_info(struct hv_cpu_info *out)
{
	struct hv_regs r = { { HV_FN_CPU_INFO } };
	int64_t st = hv_hvc(&r);

	*out = (struct hv_cpu_info){ r.x[1], r.x[2] };
	return st;
}

static inline int64_t hv_cpu_start(uint64_t cpu, uint64_t entry, uint64_t arg)
{
	return HV_CALL(HV_FN_CPU_START, cpu, entry, arg);
}

static inline int64_t hv_cpu_idle(uint64_t us)
{
	return HV_CALL(HV_FN_CPU_IDLE, us);
}

static inline int64_t hv_cpu_wake(uint64_t cpu)
{
	return HV_CALL(HV_FN_CPU_WAKE, cpu);
}

/** *vmid is the new VM's id (0 if refused). */
static inline int64_t hv_vm_create(uint64_t ram_ipa, uint64_t ram_size, uint64_t flags,
				   uint64_t *vmid)
{
	struct hv_regs r = { { HV_FN_VM_CREATE, ram_ipa, ram_size, flags } };
	int64_t st = hv_hvc(&r);

	*vmid = r.x[1];
	return st;
}

static inline int64_t hv_vm_destroy(uint64_t vmid)
{
	return HV_CALL(HV_FN_VM_DESTROY, vmid);
}

static inline int64_t hv_vm_start(uint64_t vmid)
{
	return HV_CALL(HV_FN_VM_START, vmid);
}

static inline int64_t hv_vm_stop(uint64_t vmid)
{
	return HV_CALL(HV_FN_VM_STOP, vmid);
}

/** level 3: one 4 KiB page; level 2: one 2 MiB block. */
static inline int64_t hv_prot_and_map(uint64_t vmid, uint64_t gpa, uint64_t pte, uint64_t level)
{
	return HV_CALL(HV_FN_PROT_AND_MAP, vmid, gpa, pte, level);
}

static inline int64_t hv_clear_vm_range(uint64_t vmid, uint64_t pfn, uint64_t num)
{
	return HV_CALL(HV_FN_CLEAR_VM_RANGE, vmid, pfn, num);
}

/** Shows the VMM's frame at pa to the VM, read-only, at gpa (outside its RAM). */
static inline int64_t hv_lend(uint64_t vmid, uint64_t gpa, uint64_t pa)
{
	return HV_CALL(HV_FN_LEND, vmid, gpa, pa);
}

static inline int64_t hv_unlend(uint64_t vmid)
{
	return HV_CALL(HV_FN_UNLEND, vmid);
}

/** The boot disk (HV_DISK_*): sectors at pa; for HV_DISK_INFO, out[0..2]. */
static inline int64_t hv_disk_io(uint64_t op, uint64_t sector, uint64_t pa, uint64_t n,
				 uint64_t out[3])
{
	struct hv_regs r = { { HV_FN_DISK_IO, op, sector, pa, n } };
	int64_t st = hv_hvc(&r);

	if (out != NULL) {
		out[0] = r.x[1];
		out[1] = r.x[2];
		out[2] = r.x[3];
	}
	return st;
}

/** owner: 0 the VMM, 1..HV_MAX_VMS a VM, HV_OWNER_HYP the hyp. */
static inline int64_t hv_mem_info(uint64_t owner, struct hv_mem_info *out)
{
	struct hv_regs r = { { HV_FN_MEM_INFO, owner } };
	int64_t st = hv_hvc(&r);

	*out = (struct hv_mem_info){ r.x[1], r.x[2], r.x[3] };
	return st;
}

static inline int64_t hv_page_info(uint64_t pfn, struct hv_page_info *out)
{
	struct hv_regs r = { { HV_FN_PAGE_INFO, pfn } };
	int64_t st = hv_hvc(&r);

	*out = (struct hv_page_info){ r.x[1], r.x[2], r.x[3] };
	return st;
}

/** > 0: the first that many bytes are done; call again for the rest. */
static inline int64_t hv_grant(uint64_t gpa, uint64_t size)
{
	return HV_CALL(HV_FN_GRANT, gpa, size);
}

/** > 0: the first that many bytes are done; call again for the rest. */
static inline int64_t hv_revoke(uint64_t gpa, uint64_t size)
{
	return HV_CALL(HV_FN_REVOKE, gpa, size);
}

static inline int64_t hv_vcpu_create(uint64_t vmid, uint64_t vcpu)
{
	return HV_CALL(HV_FN_VCPU_CREATE, vmid, vcpu);
}

/** x0: the value the vCPU starts with in its x0. */
static inline int64_t hv_vcpu_init(uint64_t vmid, uint64_t vcpu, uint64_t entry, uint64_t x0)
{
	return HV_CALL(HV_FN_VCPU_INIT, vmid, vcpu, entry, x0);
}

/**
 * Runs vCPU `vcpu_flags & HV_RUN_VCPU_MASK` with HV_RUN_* flags, answering
 * its last exit with reply (x3..x6), until its next exit.
 */
static inline struct hv_exit hv_vcpu_run(uint64_t vmid, uint64_t vcpu_flags,
					 const uint64_t reply[4])
{
	struct hv_regs r = {
		{ HV_FN_VCPU_RUN, vmid, vcpu_flags, reply[0], reply[1], reply[2], reply[3] }
	};
	struct hv_exit e;

	e.status = hv_hvc(&r);
	e.reason = r.x[1];
	for (int i = 0; i < 5; i++) {
		e.raw[i] = r.x[2 + i];
	}
	return e;
}

static inline int64_t hv_irq_inject(uint64_t vmid, uint64_t vcpu, uint64_t intid)
{
	return HV_CALL(HV_FN_IRQ_INJECT, vmid, vcpu, intid);
}

static inline int64_t hv_sgi_direct(uint64_t vmid, uint64_t vcpu, uint64_t mask)
{
	return HV_CALL(HV_FN_SGI_DIRECT, vmid, vcpu, mask);
}

/** Test builds: HV_FN_GRANT on behalf of VM vmid. */
static inline int64_t hv_test_grant(uint64_t vmid, uint64_t gpa, uint64_t size)
{
	return HV_CALL(HV_FN_TEST_GRANT, vmid, gpa, size);
}

/** Test builds: HV_FN_REVOKE on behalf of VM vmid. */
static inline int64_t hv_test_revoke(uint64_t vmid, uint64_t gpa, uint64_t size)
{
	return HV_CALL(HV_FN_TEST_REVOKE, vmid, gpa, size);
}

/** Test builds: idle CPU `cpu` takes a data abort at EL2. */
static inline int64_t hv_test_fault(uint64_t cpu)
{
	return HV_CALL(HV_FN_TEST_FAULT, cpu);
}

/*
 * Firmware calls the hyp answers (SMCCC, DEN0028; TRNG, DEN0098), over
 * HVC. Each returns x0: a version, a feature answer or a status. The
 * ARCH_SOC_ID and ARCH_WORKAROUND_* calls have no wrapper: they are there
 * for guest kernels, and nothing at EL1 here makes them (the smccc test
 * guest asks for them by id, over HVC and SMC alike).
 */
static inline int64_t hv_smccc_version(void)
{
	return HV_CALL(SMCCC_VERSION);
}

static inline int64_t hv_smccc_arch_features(uint64_t fn)
{
	return HV_CALL(SMCCC_ARCH_FEATURES, fn);
}

static inline int64_t hv_trng_version(void)
{
	return HV_CALL(TRNG_VERSION);
}

static inline int64_t hv_trng_features(uint64_t fn)
{
	return HV_CALL(TRNG_FEATURES, fn);
}

/** The UUID in the low 32 bits of uuid[0..3] (x0..x3); x0 < 0: refused. */
static inline int64_t hv_trng_get_uuid(uint64_t uuid[4])
{
	struct hv_regs r = { { TRNG_GET_UUID } };
	int64_t st = hv_hvc(&r);

	for (int i = 0; i < 4; i++) {
		uuid[i] = r.x[i];
	}
	return st;
}

/**
 * `bits` random bits (at most 96 for RND32, 192 for RND64) in the low bits
 * of out[2] upwards: x3, x2, x1 = out[2], out[1], out[0].
 */
static inline int64_t hv_trng_rnd(uint32_t fn, uint64_t bits, uint64_t out[3])
{
	struct hv_regs r = { { fn, bits } };
	int64_t st = hv_hvc(&r);

	for (int i = 0; i < 3; i++) {
		out[i] = r.x[1 + i];
	}
	return st;
}

static inline int64_t hv_trng_rnd32(uint64_t bits, uint64_t out[3])
{
	return hv_trng_rnd(TRNG_RND32, bits, out);
}

static inline int64_t hv_trng_rnd64(uint64_t bits, uint64_t out[3])
{
	return hv_trng_rnd(TRNG_RND64, bits, out);
}

#endif /* HV_CALL_H */
