/*
 * The VM configuration parser (vmcfg.h). Line by line: a key, '=', one
 * value (a number, a "string" or a bare true/false), an optional comment.
 * Every line is checked in full; the first error ends the parse.
 */
#include <lib/lib.h>
#include <vmm/vmcfg.h>

enum kind { K_STRING, K_NUMBER, K_BOOL };

struct value {
	enum kind kind;
	u64 num;
	char str[VMCFG_LINE_MAX];
};

enum key {
	KEY_NAME,
	KEY_KERNEL,
	KEY_RAMDISK,
	KEY_CMDLINE,
	KEY_MEMORY,
	KEY_VCPUS,
	KEY_PROTECTED,
	KEY_ON_DEMAND,
	KEY_DISK,
	KEY_DISK_RO,
	KEY_VIF,
	KEY_VCONSOLE,
	KEY_IO_WINDOW,
	KEY_PMU,
	KEY_AUTOSTART,
	KEY_ON_POWEROFF, /* these three in enum vmcfg_end's order */
	KEY_ON_REBOOT,
	KEY_ON_CRASH,
	NKEYS
};

static const struct {
	const char *name;
	enum kind kind;
} keys[NKEYS] = {
	[KEY_NAME] = { "name", K_STRING },
	[KEY_KERNEL] = { "kernel", K_STRING },
	[KEY_RAMDISK] = { "ramdisk", K_STRING },
	[KEY_CMDLINE] = { "cmdline", K_STRING },
	[KEY_MEMORY] = { "memory", K_NUMBER },
	[KEY_VCPUS] = { "vcpus", K_NUMBER },
	[KEY_PROTECTED] = { "protected", K_BOOL },
	[KEY_ON_DEMAND] = { "memory_on_demand", K_BOOL },
	[KEY_DISK] = { "disk", K_STRING },
	[KEY_DISK_RO] = { "disk_readonly", K_BOOL },
	[KEY_VIF] = { "vif", K_STRING },
	[KEY_VCONSOLE] = { "virtio_console", K_BOOL },
	[KEY_IO_WINDOW] = { "io_window", K_NUMBER },
	[KEY_PMU] = { "pmu", K_BOOL },
	[KEY_AUTOSTART] = { "autostart", K_NUMBER },
	[KEY_ON_POWEROFF] = { "on_poweroff", K_STRING },
	[KEY_ON_REBOOT] = { "on_reboot", K_STRING },
	[KEY_ON_CRASH] = { "on_crash", K_STRING },
};

static const char *const action_names[VMCFG_ACTIONS] = { "destroy", "restart", "preserve" };

const char *vmcfg_action_name(u32 action)
{
	return action < VMCFG_ACTIONS ? action_names[action] : "?";
}

static const char *const kind_name[] = { "a string in double quotes", "a number",
					 "0 or 1" };

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

bool vmcfg_valid_name(const char *s)
{
	size_t n = strnlen(s, VMCFG_NAME_MAX + 1);

	if (n == 0 || n > VMCFG_NAME_MAX || s[0] == '.' || s[0] == '-') {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_ident(s[i]) && s[i] != '.' && s[i] != '-') {
			return false;
		}
	}
	return true;
}

static int fail(struct vmcfg_error *e, u32 line, const char *msg, const char *arg)
{
	e->line = line;
	fmt_format(e->msg, sizeof(e->msg), msg, arg);
	return -1;
}

/* Parses the value at s[0..n) (comment and trailing blanks included). */
static int parse_value(const char *s, size_t n, struct value *v, const char **why)
{
	size_t i = 0;

	if (n > 0 && s[0] == '"') {
		size_t o = 0;

		for (i = 1; i < n && s[i] != '"'; i++) {
			char c = s[i];

			if (c == '\\') {
				if (i + 1 >= n || (s[i + 1] != '"' && s[i + 1] != '\\')) {
					*why = "only \\\" and \\\\ may follow a backslash";
					return -1;
				}
				c = s[++i];
			} else if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
				*why = "strings hold printable ASCII only";
				return -1;
			}
			v->str[o++] = c;
		}
		if (i >= n) {
			*why = "unterminated string";
			return -1;
		}
		v->str[o] = '\0';
		v->kind = K_STRING;
		i++;
	} else if (n > 0 && s[0] == '[') {
		*why = "lists are not supported";
		return -1;
	} else {
		while (i < n && is_ident(s[i])) {
			i++;
		}
		if (i == 4 && memcmp(s, "true", 4) == 0) {
			v->kind = K_BOOL;
			v->num = 1;
		} else if (i == 5 && memcmp(s, "false", 5) == 0) {
			v->kind = K_BOOL;
			v->num = 0;
		} else if (i > 0 && fmt_parse_u64(s, i, &v->num)) {
			v->kind = K_NUMBER;
		} else {
			*why = i > 0		       ? "not a number, string or true/false"
			       : n > 0 && s[0] == '-' ? "numbers are not negative"
						      : "missing value";
			return -1;
		}
	}
	while (i < n && is_space(s[i])) {
		i++;
	}
	if (i < n && s[i] != '#') {
		*why = "unexpected text after the value";
		return -1;
	}
	return 0;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* "52:54:00:12:34:56": six hex pairs; a unicast address, not all zero. */
static bool parse_mac(const char *s, u8 mac[6])
{
	u8 any = 0;

	if (strlen(s) != 17) {
		return false;
	}
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]);
		int lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':')) {
			return false;
		}
		mac[i] = (u8)(hi << 4 | lo);
		any |= mac[i];
	}
	return any != 0 && (mac[0] & 1) == 0;
}

static void copy_str(char *dst, const char *src, size_t cap)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Checks and stores a size in MiB (memory from 2, the I/O window from 0, up
 * to half the memory's maximum): even; 0 or -1 with e filled. */
static int even_mib(u32 *out, enum key k, u64 n, u32 line, struct vmcfg_error *e)
{
	u64 lo = k == KEY_MEMORY ? 2 : 0;
	u64 hi = k == KEY_MEMORY ? VMCFG_MEMORY_MAX : VMCFG_MEMORY_MAX / 2;

	if (n < lo || n > hi || (n & 1) != 0) {
		e->line = line;
		fmt_format(e->msg, sizeof(e->msg), "'%s' must be an even number of MiB, %lu to %lu",
			   keys[k].name, (unsigned long)lo, (unsigned long)hi);
		return -1;
	}
	*out = (u32)n;
	return 0;
}

/* Checks and stores one setting; 0 or -1 with e filled. */
static int apply(struct vm_config *c, enum key k, const struct value *v, u32 line,
		 struct vmcfg_error *e)
{
	size_t len = v->kind == K_STRING ? strlen(v->str) : 0;
	bool boolean = v->kind == K_BOOL || (v->kind == K_NUMBER && v->num <= 1);

	if (keys[k].kind == K_BOOL ? !boolean : v->kind != keys[k].kind) {
		e->line = line;
		fmt_format(e->msg, sizeof(e->msg), "'%s' must be %s", keys[k].name,
			   kind_name[keys[k].kind]);
		return -1;
	}
	switch (k) {
	case KEY_NAME:
		if (!vmcfg_valid_name(v->str)) {
			return fail(e, line,
				    "bad name \"%s\": 1-31 letters, digits, '_', '.' or '-'",
				    v->str);
		}
		copy_str(c->name, v->str, sizeof(c->name));
		break;
	case KEY_KERNEL:
	case KEY_RAMDISK:
	case KEY_DISK:
		if (len == 0 || len > VMCFG_PATH_MAX) {
			return fail(e, line, "'%s' must name an image of 1-63 characters",
				    keys[k].name);
		}
		copy_str(k == KEY_KERNEL ? c->kernel : k == KEY_RAMDISK ? c->ramdisk : c->disk, v->str,
			 VMCFG_PATH_MAX + 1);
		break;
	case KEY_VIF:
		if (!parse_mac(v->str, c->mac)) {
			return fail(e, line,
				    "'vif' must be a unicast MAC address like \"52:54:00:12:34:56\"",
				    "");
		}
		c->vif = true;
		break;
	case KEY_IO_WINDOW:
	case KEY_MEMORY:
		return even_mib(k == KEY_MEMORY ? &c->memory_mib : &c->io_window_mib, k, v->num,
				line, e);
	case KEY_CMDLINE:
		if (len > VMCFG_CMDLINE_MAX) {
			return fail(e, line, "'cmdline' is longer than 255 characters", "");
		}
		copy_str(c->cmdline, v->str, sizeof(c->cmdline));
		break;
	case KEY_AUTOSTART:
		if (v->num > VMCFG_AUTOSTART_MAX) {
			return fail(e, line, "'autostart' must be 0 (not started) or 1-99 (the order)",
				    "");
		}
		c->autostart = (u32)v->num;
		break;
	case KEY_VCPUS:
		if (v->num < 1 || v->num > VMCFG_VCPUS_MAX) {
			return fail(e, line, "'vcpus' must be 1 to 4", "");
		}
		c->vcpus = (u32)v->num;
		break;
	case KEY_PROTECTED:
		if (v->num == 0) {
			return fail(e, line,
				    "'protected = 0' is not supported: every VM is protected", "");
		}
		c->protect = true;
		break;
	case KEY_ON_POWEROFF:
	case KEY_ON_REBOOT:
	case KEY_ON_CRASH: {
		u32 a = 0;

		while (a < VMCFG_ACTIONS && strcmp(v->str, action_names[a]) != 0) {
			a++;
		}
		if (a == VMCFG_ACTIONS) {
			return fail(e, line, "'%s' must be \"destroy\", \"restart\" or \"preserve\"",
				    keys[k].name);
		}
		c->on[k - KEY_ON_POWEROFF] = (u8)a;
		break;
	}
	case KEY_DISK_RO:
	case KEY_VCONSOLE:
	case KEY_ON_DEMAND:
	case KEY_PMU: {
		bool *on = k == KEY_DISK_RO    ? &c->disk_ro
			   : k == KEY_VCONSOLE ? &c->vconsole
			   : k == KEY_ON_DEMAND ? &c->on_demand
						: &c->pmu;

		*on = v->num != 0;
		break;
	}
	default:
		break;
	}
	return 0;
}

/* Appends text to out[*o..cap); false once it does not fit. */
static bool put(char *out, size_t cap, size_t *o, const char *text)
{
	size_t n = strlen(text);

	if (*o + n >= cap) {
		return false;
	}
	memcpy(out + *o, text, n + 1);
	*o += n;
	return true;
}

/* Appends `key = "value"` with the parser's escapes. */
static bool put_str(char *out, size_t cap, size_t *o, const char *key, const char *v)
{
	char esc[2 * VMCFG_LINE_MAX];
	size_t n = 0;

	for (; *v != '\0' && n + 2 < sizeof(esc); v++) {
		if (*v == '"' || *v == '\\') {
			esc[n++] = '\\';
		}
		esc[n++] = *v;
	}
	esc[n] = '\0';
	return put(out, cap, o, key) && put(out, cap, o, " = \"") && put(out, cap, o, esc) &&
	       put(out, cap, o, "\"\n");
}

int vmcfg_format(const struct vm_config *c, char *out, size_t cap)
{
	char num[96];
	size_t o = 0;
	bool ok;

	if (cap == 0) {
		return -1;
	}
	out[0] = '\0';
	ok = put_str(out, cap, &o, "name", c->name) && put_str(out, cap, &o, "kernel", c->kernel) &&
	     (c->ramdisk[0] == '\0' || put_str(out, cap, &o, "ramdisk", c->ramdisk)) &&
	     put_str(out, cap, &o, "cmdline", c->cmdline);
	fmt_format(num, sizeof(num), "memory = %u\nvcpus = %u\nmemory_on_demand = %d\n",
		   c->memory_mib, c->vcpus, c->on_demand ? 1 : 0);
	ok = ok && put(out, cap, &o, num);
	if (c->disk[0] != '\0') {
		fmt_format(num, sizeof(num), "disk_readonly = %d\n", c->disk_ro ? 1 : 0);
		ok = ok && put_str(out, cap, &o, "disk", c->disk) && put(out, cap, &o, num);
	}
	if (c->vif) {
		fmt_format(num, sizeof(num), "vif = \"%02x:%02x:%02x:%02x:%02x:%02x\"\n", c->mac[0],
			   c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
		ok = ok && put(out, cap, &o, num);
	}
	fmt_format(num, sizeof(num),
		   "virtio_console = %d\nio_window = %u\npmu = %d\nautostart = %u\n",
		   c->vconsole ? 1 : 0, c->io_window_mib, c->pmu ? 1 : 0, c->autostart);
	ok = ok && put(out, cap, &o, num);
	for (u32 w = 0; w < VMCFG_ENDS; w++) {
		ok = ok && put_str(out, cap, &o, keys[KEY_ON_POWEROFF + w].name,
				   vmcfg_action_name(c->on[w]));
	}
	return ok ? (int)o : -1;
}

int vmcfg_parse(const char *text, size_t len, struct vm_config *c, struct vmcfg_error *e)
{
	struct value v;
	bool seen[NKEYS] = { false };
	size_t pos = 0;
	u32 line = 0;

	memset(c, 0, sizeof(*c));
	c->vcpus = 1;
	c->protect = true;
	c->on[VMCFG_ON_REBOOT] = VMCFG_RESTART; /* xl.cfg's defaults: the others destroy */
	while (pos < len) {
		size_t end = pos;
		size_t i = pos;
		size_t kend;
		const char *why = NULL;
		int k;

		line++;
		while (end < len && text[end] != '\n') {
			if (text[end] == '\0') {
				return fail(e, line, "NUL byte in the file", "");
			}
			end++;
		}
		if (end - pos >= VMCFG_LINE_MAX) {
			return fail(e, line, "line longer than 511 characters", "");
		}
		while (i < end && is_space(text[i])) {
			i++;
		}
		if (i == end || text[i] == '#') {
			pos = end + 1;
			continue;
		}
		kend = i;
		while (kend < end && is_ident(text[kend])) {
			kend++;
		}
		for (k = 0; k < NKEYS; k++) {
			if (kend - i == strlen(keys[k].name) &&
			    memcmp(text + i, keys[k].name, kend - i) == 0) {
				break;
			}
		}
		if (kend == i) {
			return fail(e, line, "expected 'key = value'", "");
		}
		if (k == NKEYS) {
			char key[32];

			copy_str(key, text + i, MIN(sizeof(key), kend - i + 1));
			return fail(e, line, "unknown setting '%s'", key);
		}
		if (seen[k]) {
			return fail(e, line, "'%s' is set twice", keys[k].name);
		}
		seen[k] = true;
		i = kend;
		while (i < end && is_space(text[i])) {
			i++;
		}
		if (i == end || text[i] != '=') {
			return fail(e, line, "expected '=' after '%s'", keys[k].name);
		}
		i++;
		while (i < end && is_space(text[i])) {
			i++;
		}
		if (parse_value(text + i, end - i, &v, &why) != 0) {
			return fail(e, line, "%s", why);
		}
		if (apply(c, (enum key)k, &v, line, e) != 0) {
			return -1;
		}
		pos = end + 1;
	}
	if (!seen[KEY_NAME] || !seen[KEY_KERNEL] || !seen[KEY_MEMORY]) {
		return fail(e, 0, "'%s' is not set",
			    !seen[KEY_NAME] ? "name" : !seen[KEY_KERNEL] ? "kernel" : "memory");
	}
	if (c->io_window_mib + 4 > c->memory_mib && c->io_window_mib != 0) {
		return fail(e, 0, "'io_window' must leave at least 4 MiB of 'memory' above it", "");
	}
	if (seen[KEY_DISK_RO] && c->disk[0] == '\0') {
		return fail(e, 0, "'disk_readonly' is set without a 'disk'", "");
	}
	return 0;
}
