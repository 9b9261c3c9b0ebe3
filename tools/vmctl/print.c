/*
 * vmctl's output: VM records as table rows or JSON.
 */
#include <stdio.h>

#include "vmctl.h"

void json_str(const char *s, size_t max)
{
	putchar('"');
	for (size_t i = 0; i < max && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			printf("\\%c", c);
		} else if (c < 0x20 || c >= 0x7f) {
			printf("\\u%04x", c);
		} else {
			putchar(c);
		}
	}
	putchar('"');
}

const char *state_name(uint32_t s)
{
	static const char *const names[] = { "?", "created", "running", "stopped", "ended" };

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void json_vm(const struct ctl_vm *v)
{
	printf("{\"name\": ");
	json_str(v->name, sizeof(v->name));
	printf(", \"vmid\": %u, \"state\": \"%s\", \"vcpus\": %u, \"memory_mib\": %u, "
	       "\"given_mib\": %u, \"memory_on_demand\": %s, \"protected\": %s, "
	       "\"exits\": %llu, \"uptime_ms\": %llu, \"frames\": %llu}",
	       v->vmid, state_name(v->state), v->vcpus, v->memory_mib, v->given_mib,
	       (v->flags & CTL_VM_ON_DEMAND) ? "true" : "false",
	       (v->flags & CTL_VM_PROTECTED) ? "true" : "false", (unsigned long long)v->exits,
	       (unsigned long long)v->uptime_ms, (unsigned long long)v->frames);
}

void print_vm_header(void)
{
	printf("%-16s %-8s %5s %5s %12s %12s %10s\n", "NAME", "STATE", "VMID", "VCPUS",
	       "MEMORY_MIB", "EXITS", "UPTIME");
}

void print_vm(const struct ctl_vm *v)
{
	char mem[32];
	char up[32];
	uint64_t s = v->uptime_ms / 1000;

	snprintf(mem, sizeof(mem), "%u/%u", v->given_mib, v->memory_mib);
	snprintf(up, sizeof(up), "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
		 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	printf("%-16.*s %-8s %5u %5u %12s %12llu %10s\n", CTL_NAME_LEN, v->name,
	       state_name(v->state), v->vmid, v->vcpus, mem, (unsigned long long)v->exits, up);
}

