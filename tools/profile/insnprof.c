/*
 * insnprof: a QEMU TCG plugin that counts, exactly, the instructions every
 * emulated CPU executes inside marked windows, by exception level and by
 * address. A window opens when any CPU executes HINT #(0x60 + 2k) and
 * closes at HINT #(0x61 + 2k), k = 0..7 (hints with no architectural
 * meaning: no-ops on hardware). What every CPU runs meanwhile is charged
 * to window k, so a round trip that crosses CPUs (an IPI) is counted
 * whole, and so is whatever an idle CPU spins on. With -icount QEMU runs
 * one CPU at a time, so the window is well defined.
 *
 * Usage: -plugin insnprof.so,out=FILE. At exit FILE gets, per window
 * kind, "window K N INSNS" (N windows, INSNS instructions in all), then
 * "cpu K CPU EL INSNS" and "pc K EL ADDR INSNS" lines (the addresses are
 * virtual, as the CPU ran them; tools/build/profile.py names them).
 *
 * Or -plugin insnprof.so,count=FILE: no windows; the 8 bytes of FILE hold,
 * as the run goes, the instructions every CPU has executed so far (counted
 * a translation block at a time, so a block an exception leaves early
 * counts whole), for a reader that samples it at events it sees.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plugin_api.h"

PLUGIN_EXPORT int qemu_plugin_version = 4;

#define KINDS 8
#define CPUS 8
#define HINT_BASE 0x60U
#define HINT(imm) (0xd503201fU | ((imm) << 5))
#define TABLE (1U << 16)

struct insn {
	uint64_t pc;
};

struct slot {
	uint64_t key; /* pc | el << 62 | kind << 59; 0: empty */
	uint64_t count;
};

static int open_kind = -1;
static uint64_t windows[KINDS];
static uint64_t per_cpu[KINDS][CPUS][4];
static struct slot table[TABLE];
static uint64_t dropped;
static unsigned int cur_el[CPUS];
static struct qemu_plugin_register *cpsr[CPUS];
static GByteArray *buf;
static const char *out_path = "insnprof.txt";
static volatile uint64_t *total; /* count= mode: the shared counter */

static void read_el(unsigned int cpu)
{
	if (cpu < CPUS && cpsr[cpu] != NULL &&
	    qemu_plugin_read_register(cpsr[cpu], buf) >= 4) {
		uint32_t v;

		memcpy(&v, buf->data, 4);
		cur_el[cpu] = (v >> 2) & 3;
	}
	g_byte_array_set_size(buf, 0);
}

static void count(unsigned int cpu, uint64_t pc)
{
	unsigned int el = cpu < CPUS ? cur_el[cpu] : 0;
	uint64_t key = (pc & ((UINT64_C(1) << 59) - 1)) | (uint64_t)el << 62 |
		       (uint64_t)open_kind << 59 | 1;
	uint64_t h = (key * UINT64_C(0x9e3779b97f4a7c15)) >> 48;

	if (cpu < CPUS) {
		per_cpu[open_kind][cpu][el]++;
	}
	for (unsigned int probe = 0; probe < TABLE; probe++) {
		struct slot *s = &table[(h + probe) % TABLE];

		if (s->key == key || s->key == 0) {
			s->key = key;
			s->count++;
			return;
		}
	}
	dropped++;
}

/* Every instruction: counted while a window is open. */
static void on_insn(unsigned int cpu, void *udata)
{
	if (open_kind >= 0) {
		count(cpu, ((struct insn *)udata)->pc);
	}
}

/* A translation block starts: its exception level, for the window. */
static void on_tb(unsigned int cpu, void *udata)
{
	(void)udata;
	if (open_kind >= 0) {
		read_el(cpu);
	}
}

static void on_marker(unsigned int cpu, void *udata)
{
	unsigned int imm = (unsigned int)(uintptr_t)udata;
	int kind = (int)((imm - HINT_BASE) / 2);

	if ((imm & 1) == 0) {
		open_kind = kind;
		windows[kind]++;
		read_el(cpu);
	} else if (open_kind == kind) {
		open_kind = -1;
	}
}

static void on_tb_count(unsigned int cpu, void *udata)
{
	(void)cpu;
	__atomic_add_fetch(total, (uint64_t)(uintptr_t)udata, __ATOMIC_RELAXED);
}

static void on_translate_count(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_count, QEMU_PLUGIN_CB_NO_REGS,
					     (void *)(uintptr_t)qemu_plugin_tb_n_insns(tb));
}

/* count=FILE: FILE becomes 8 bytes, mapped shared, zero. */
static bool map_counter(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	void *p;

	if (fd < 0 || ftruncate(fd, sizeof(uint64_t)) != 0) {
		perror(path);
		return false;
	}
	p = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		perror(path);
		return false;
	}
	total = p;
	return true;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t pc = qemu_plugin_tb_vaddr(tb);

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_R_REGS, NULL);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		struct insn *info = malloc(sizeof(*info));
		uint32_t word = 0;

		if (info == NULL) {
			abort();
		}
		info->pc = pc;
		pc += qemu_plugin_insn_data(insn, &word, sizeof(word));
		/* The marker's own callback runs first: a window counts its
		 * opening hint and everything up to its closing one. */
		if ((word & ~(0x7fU << 5)) == HINT(0) && ((word >> 5) & 0x7f) >= HINT_BASE &&
		    ((word >> 5) & 0x7f) < HINT_BASE + 2 * KINDS) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_R_REGS,
							       (void *)(uintptr_t)((word >> 5) & 0x7f));
		}
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS, info);
	}
}

static void on_init(qemu_plugin_id_t id, unsigned int cpu)
{
	GArray *regs = qemu_plugin_get_registers();
	const struct qemu_plugin_reg_descriptor *d = (const void *)regs->data;

	(void)id;
	for (unsigned int i = 0; i < regs->len && cpu < CPUS; i++) {
		if (strcmp(d[i].name, "cpsr") == 0) {
			cpsr[cpu] = d[i].handle;
		}
	}
}

static void write_report(qemu_plugin_id_t id, void *udata)
{
	FILE *f = fopen(out_path, "w");

	(void)id;
	(void)udata;
	if (f == NULL) {
		perror(out_path);
		return;
	}
	for (int k = 0; k < KINDS; k++) {
		uint64_t total = 0;

		if (windows[k] == 0) {
			continue;
		}
		for (int c = 0; c < CPUS; c++) {
			for (int el = 0; el < 4; el++) {
				total += per_cpu[k][c][el];
			}
		}
		fprintf(f, "window %d %llu %llu\n", k, (unsigned long long)windows[k],
			(unsigned long long)total);
		for (int c = 0; c < CPUS; c++) {
			for (int el = 0; el < 4; el++) {
				if (per_cpu[k][c][el] != 0) {
					fprintf(f, "cpu %d %d %d %llu\n", k, c, el,
						(unsigned long long)per_cpu[k][c][el]);
				}
			}
		}
	}
	for (unsigned int i = 0; i < TABLE; i++) {
		const struct slot *s = &table[i];

		if (s->key != 0) {
			fprintf(f, "pc %u %u 0x%llx %llu\n", (unsigned int)((s->key >> 59) & 7),
				(unsigned int)(s->key >> 62),
				(unsigned long long)(s->key & ((UINT64_C(1) << 59) - 2)),
				(unsigned long long)s->count);
		}
	}
	fprintf(f, "dropped %llu\n", (unsigned long long)dropped);
	fclose(f);
}

PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
				      char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "out=", 4) == 0) {
			out_path = argv[i] + 4;
		} else if (strncmp(argv[i], "count=", 6) == 0) {
			if (!map_counter(argv[i] + 6)) {
				return -1;
			}
			qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate_count);
			return 0;
		}
	}
	buf = g_byte_array_new();
	qemu_plugin_register_vcpu_init_cb(id, on_init);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, write_report, NULL);
	return 0;
}
