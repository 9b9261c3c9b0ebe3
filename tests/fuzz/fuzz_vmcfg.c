/*
 * libFuzzer target over the VM configuration parser: any text. A refusal
 * names a line inside the text (or 0) and a message; an accepted file
 * gives a configuration within every documented limit, and its canonical
 * form (what vmctl sends) parses back to the same configuration.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vmm/vmcfg.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config c;
	struct vmcfg_error e;
	size_t lines = 1;

	for (size_t i = 0; i < size; i++) {
		lines += data[i] == '\n';
	}
	memset(&e, 0, sizeof(e));
	if (vmcfg_parse((const char *)data, size, &c, &e) != 0) {
		if (e.line > lines || e.msg[0] == '\0' || strnlen(e.msg, sizeof(e.msg)) == sizeof(e.msg)) {
			abort();
		}
		return 0;
	}
	if (!vmcfg_valid_name(c.name) || c.kernel[0] == '\0' || c.memory_mib < 2 ||
	    c.memory_mib > VMCFG_MEMORY_MAX || (c.memory_mib & 1) != 0 || c.vcpus < 1 ||
	    c.vcpus > VMCFG_VCPUS_MAX || !c.protect ||
	    strnlen(c.cmdline, sizeof(c.cmdline)) > VMCFG_CMDLINE_MAX ||
	    (c.io_window_mib != 0 && c.io_window_mib + 4 > c.memory_mib) ||
	    (c.vif && (c.mac[0] & 1) != 0)) {
		abort();
	}
	{
		static char text[4096];
		struct vm_config back;

		if (vmcfg_format(&c, text, sizeof(text)) < 0 ||
		    vmcfg_parse(text, strlen(text), &back, &e) != 0 ||
		    memcmp(&c, &back, sizeof(c)) != 0) {
			abort();
		}
	}
	return 0;
}
