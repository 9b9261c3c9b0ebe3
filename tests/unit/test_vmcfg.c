/*
 * The VM configuration parser: a full file, defaults, and one bad line of
 * each kind, each refused with its line number and reason.
 */
#include <string.h>

#include <vmm/vmcfg.h>

#include "harness.h"

static struct vm_config cfg;
static struct vmcfg_error err;

static int parse(const char *text)
{
	memset(&err, 0, sizeof(err));
	return vmcfg_parse(text, strlen(text), &cfg, &err);
}

TEST(vmcfg_full_file)
{
	const char *text = "# the default Linux VM\n"
			   "name = \"linux\"\n"
			   "kernel=\"linux/Image\"   # an arm64 Image\n"
			   "ramdisk = \"linux/initrd.gz\"\n"
			   "\t cmdline = \"console=ttyAMA0 x=\\\"q\\\" y=\\\\\"\n"
			   "memory = 256\r\n"
			   "vcpus = 0x2\n"
			   "protected = true\n"
			   "memory_on_demand = 1\n"
			   "\n";

	CHECK_EQ(parse(text), 0);
	CHECK(strcmp(cfg.name, "linux") == 0);
	CHECK(strcmp(cfg.kernel, "linux/Image") == 0);
	CHECK(strcmp(cfg.ramdisk, "linux/initrd.gz") == 0);
	CHECK(strcmp(cfg.cmdline, "console=ttyAMA0 x=\"q\" y=\\") == 0);
	CHECK_EQ(cfg.memory_mib, 256);
	CHECK_EQ(cfg.vcpus, 2);
	CHECK(cfg.protect);
	CHECK(cfg.on_demand);
	CHECK_EQ(cfg.disk[0], 0);
	CHECK(!cfg.vif);
	CHECK(!cfg.vconsole);
	CHECK_EQ(cfg.io_window_mib, 0);
}

TEST(vmcfg_devices)
{
	static const u8 mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xCD, 0x01 };

	CHECK_EQ(parse("name=\"a\"\nkernel=\"k\"\nmemory=64\nio_window = 32\n"
		       "disk = \"disks/test.img\"\ndisk_readonly = 1\n"
		       "vif = \"52:54:00:ab:CD:01\"\nvirtio_console = 1\npmu = 1\n"),
		 0);
	CHECK_EQ(cfg.io_window_mib, 32);
	CHECK(cfg.pmu);
	CHECK(strcmp(cfg.disk, "disks/test.img") == 0);
	CHECK(cfg.disk_ro);
	CHECK(cfg.vif);
	CHECK(memcmp(cfg.mac, mac, 6) == 0);
	CHECK(cfg.vconsole);
}

TEST(vmcfg_defaults)
{
	CHECK_EQ(parse("name=\"a\"\nkernel=\"k\"\nmemory=2"), 0);
	CHECK_EQ(cfg.vcpus, 1);
	CHECK(cfg.protect);
	CHECK(!cfg.on_demand);
	CHECK(!cfg.pmu);
	CHECK_EQ(cfg.ramdisk[0], 0);
	CHECK_EQ(cfg.cmdline[0], 0);
	/* xl.cfg's life-cycle defaults */
	CHECK_EQ(cfg.on[VMCFG_ON_POWEROFF], VMCFG_DESTROY);
	CHECK_EQ(cfg.on[VMCFG_ON_REBOOT], VMCFG_RESTART);
	CHECK_EQ(cfg.on[VMCFG_ON_CRASH], VMCFG_DESTROY);
	CHECK_EQ(cfg.autostart, 0);
	CHECK_EQ(parse("name=\"a\"\nkernel=\"k\"\nmemory=2\nautostart = 7\n"), 0);
	CHECK_EQ(cfg.autostart, 7);
	CHECK_EQ(parse("name=\"a\"\nkernel=\"k\"\nmemory=2\non_poweroff = \"restart\"\n"
		       "on_reboot=\"preserve\"\non_crash = \"preserve\" # keep it\n"),
		 0);
	CHECK_EQ(cfg.on[VMCFG_ON_POWEROFF], VMCFG_RESTART);
	CHECK_EQ(cfg.on[VMCFG_ON_REBOOT], VMCFG_PRESERVE);
	CHECK_EQ(cfg.on[VMCFG_ON_CRASH], VMCFG_PRESERVE);
}

static void refused(const char *text, unsigned line, const char *msg)
{
	CHECK_EQ(parse(text), -1);
	CHECK_EQ(err.line, line);
	if (strstr(err.msg, msg) == NULL) {
		fprintf(stderr, "    message \"%s\" lacks \"%s\"\n", err.msg, msg);
		test_checks_failed++;
	}
}

TEST(vmcfg_bad_lines)
{
	refused("name=\"a\"\nkernel=\"k\"\nmemroy = 2\n", 3, "unknown setting 'memroy'");
	refused("name=\"a\"\nname=\"b\"\n", 2, "'name' is set twice");
	refused("memory 2\n", 1, "expected '=' after 'memory'");
	refused("name=\"a\"\nautostart = 100\n", 2, "'autostart' must be 0 (not started) or 1-99");
	refused("name=\"a\"\nautostart = -1\n", 2, "numbers are not negative");
	refused("autostart = \"yes\"\n", 1, "'autostart' must be a number");
	refused("= 2\n", 1, "expected 'key = value'");
	refused("\n\nmemory = \n", 3, "missing value");
	refused("memory = 12x\n", 1, "not a number");
	refused("memory = 99999999999999999999999\n", 1, "not a number");
	refused("memory = 3\n", 1, "even number of MiB");
	refused("memory = 4096\n", 1, "even number of MiB");
	refused("memory = 0\n", 1, "even number of MiB");
	refused("memory = \"256\"\n", 1, "'memory' must be a number");
	refused("name = 5\n", 1, "'name' must be a string");
	refused("vcpus = 5\n", 1, "'vcpus' must be 1 to 4");
	refused("vcpus = 0\n", 1, "'vcpus' must be 1 to 4");
	refused("protected = 2\n", 1, "'protected' must be 0 or 1");
	refused("protected = 0\n", 1, "not supported");
	refused("name = \"a b\"\n", 1, "bad name");
	refused("name = \"-a\"\n", 1, "bad name");
	refused("name = \"abcdefghijabcdefghijabcdefghijab\"\n", 1, "bad name");
	refused("name = \"open\n", 1, "unterminated string");
	refused("name = \"a\\n\"\n", 1, "backslash");
	refused("name = \"a\" junk\n", 1, "unexpected text after the value");
	refused("kernel = \"\"\n", 1, "must name an image");
	refused("\non_crash = \"reboot\"\n", 2,
		"'on_crash' must be \"destroy\", \"restart\" or \"preserve\"");
	refused("on_reboot = 1\n", 1, "'on_reboot' must be a string");
	refused("disks = [ \"x\" ]\n", 1, "unknown setting 'disks'");
	refused("disk = [ \"x\" ]\n", 1, "lists are not supported");
	refused("vif = \"52:54:00:12:34\"\n", 1,
		"'vif' must be a unicast MAC address like \"52:54:00:12:34:56\"");
	refused("vif = \"53:54:00:12:34:56\"\n", 1,
		"'vif' must be a unicast MAC address like \"52:54:00:12:34:56\"");
	refused("vif = \"00:00:00:00:00:00\"\n", 1,
		"'vif' must be a unicast MAC address like \"52:54:00:12:34:56\"");
	refused("vif = \"52:54:00:12:34:5g\"\n", 1,
		"'vif' must be a unicast MAC address like \"52:54:00:12:34:56\"");
	refused("io_window = 3\n", 1, "'io_window' must be an even number of MiB, 0 to 1024");
	refused("name=\"a\"\nkernel=\"k\"\nmemory = 32\nio_window = 30\n", 0,
		"'io_window' must leave at least 4 MiB of 'memory' above it");
	refused("name=\"a\"\nkernel=\"k\"\nmemory = 32\ndisk_readonly = 1\n", 0,
		"'disk_readonly' is set without a 'disk'");
	refused("memory = [ 1 ]\n", 1, "lists are not supported");
	refused("name=\"a\"\nkernel=\"k\"\n", 0, "'memory' is not set");
	refused("name=\"a\"\nmemory=2\n", 0, "'kernel' is not set");
	refused("kernel=\"k\"\nmemory=2\n", 0, "'name' is not set");
	refused("cmdline = \"\xc3\xa9\"\n", 1, "printable ASCII");
	CHECK_EQ(vmcfg_parse("name=\"a\"\0", 9, &cfg, &err), -1);
	CHECK_EQ(err.line, 1);
}

TEST(vmcfg_long_line)
{
	static char text[1200];

	memset(text, 'x', sizeof(text) - 1);
	memcpy(text, "cmdline = \"", 11);
	refused(text, 1, "line longer than 511");
	memset(text, 0, sizeof(text));
	strcpy(text, "cmdline = \"");
	memset(text + 11, 'x', 300);
	strcat(text, "\"\n");
	refused(text, 1, "longer than 255");
}

/* The canonical form vmctl sends reads back to the same configuration. */
TEST(vmcfg_format_round_trip)
{
	static const char *const files[] = {
		"name=\"a\"\nkernel=\"k\"\nmemory=2\n",
		"name = \"linux-io\"\nkernel = \"linux/Image\"\nramdisk = \"linux/initrd.gz\"\n"
		"cmdline = \"console=ttyAMA0 x=\\\"q\\\" y=\\\\\"\nmemory = 256\nvcpus = 2\n"
		"memory_on_demand = 1\nio_window = 32\ndisk = \"disks/test.img\"\n"
		"disk_readonly = 1\nvif = \"52:54:00:AB:cd:01\"\nvirtio_console = 1\npmu = 1\n"
		"on_poweroff = \"preserve\"\non_reboot = \"destroy\"\non_crash = \"restart\"\n"
		"autostart = 3\n",
	};
	char text[2048];
	struct vm_config first;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		CHECK_EQ(parse(files[i]), 0);
		first = cfg;
		CHECK(vmcfg_format(&first, text, sizeof(text)) > 0);
		CHECK_EQ(parse(text), 0);
		CHECK(memcmp(&first, &cfg, sizeof(cfg)) == 0);
		CHECK_EQ(vmcfg_format(&first, text, 40), -1);
	}
}
