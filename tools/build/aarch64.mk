# Common rules for the freestanding aarch64 programs (hyp, VMM, test guests).
# The including Makefile sets O (output dir), SRCS, INCLUDES, LDSCRIPT, NAME
# and ROOT; $(CONFIG_DIR) holds generated/autoconf.h.

CROSS ?= aarch64-linux-gnu-
CC := $(CROSS)gcc
LD := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy

TARGET_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -fpie \
	-march=armv8-a -mgeneral-regs-only -mstrict-align -mno-outline-atomics \
	-fno-stack-protector -fno-common -fno-tree-loop-distribute-patterns \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-MMD -MP $(addprefix -I,$(INCLUDES)) -I$(CONFIG_DIR)/include $(EXTRA_CFLAGS)
TARGET_ASFLAGS := -D__ASSEMBLER__ -MMD -MP $(addprefix -I,$(INCLUDES)) \
	-I$(CONFIG_DIR)/include $(EXTRA_CFLAGS)
TARGET_LDFLAGS := -pie --no-dynamic-linker -z norelro -z noexecstack \
	--build-id=none --no-warn-rwx-segments -nostdlib -T $(LDSCRIPT)

OBJS := $(patsubst $(ROOT)/%,$(O)/%.o,$(SRCS))

$(O)/$(NAME).bin: $(O)/$(NAME).elf
	$(OBJCOPY) -O binary $< $@

$(O)/$(NAME).elf: $(OBJS) $(LDSCRIPT)
	$(LD) $(TARGET_LDFLAGS) -o $@ $(OBJS)

$(O)/%.c.o: $(ROOT)/%.c $(CONFIG_DIR)/include/generated/autoconf.h
	@mkdir -p $(dir $@)
	$(CC) $(TARGET_CFLAGS) -c -o $@ $<

$(O)/%.S.o: $(ROOT)/%.S $(CONFIG_DIR)/include/generated/autoconf.h
	@mkdir -p $(dir $@)
	$(CC) $(TARGET_ASFLAGS) -c -o $@ $<

-include $(OBJS:.o=.d)

# The objects this program links (for ./build.sh loc).
print-objs:
	@echo $(OBJS)

.PHONY: print-objs
