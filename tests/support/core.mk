# The sources the host programs compile (tests/unit, tests/fuzz,
# tests/model, tests/bench), written once. Each Makefile sets ROOT (the
# top of the tree, relative to it) and includes this file.

SUPPORT := $(ROOT)/tests/support

# Include paths: the shared library, the hyp's headers (these programs test
# the hyp), the VMM's, the support folder and its host configuration
# (generated/autoconf.h).
CORE_INCLUDES := -I$(ROOT)/lib/include -I$(ROOT)/hyp/include -I$(ROOT)/vmm/include \
	-I$(SUPPORT) -I$(SUPPORT)/include
CORE_DEFINES := -DCONFIG_MAX_VMS=8

# The memory core (ownership, stage-2 and the VMM's tables, regions) on the
# fake arch's simulated two-bank machine.
CORE_MEM_SRC := $(ROOT)/hyp/core/mem.c $(ROOT)/hyp/core/mem_host.c $(ROOT)/hyp/core/mem_state.c \
	$(ROOT)/hyp/core/mem_share.c $(ROOT)/hyp/core/regions.c \
	$(ROOT)/lib/pgtable.c $(ROOT)/lib/fmt.c $(SUPPORT)/fake_arch.c
# The invariants checked after every action of the memory core.
CORE_INVARIANTS_SRC := $(SUPPORT)/mem_invariants.c
# The vCPU life cycle, PSCI, guest traps and firmware calls on the memory
# core, with the fake world switch and CPU features.
CORE_VCPU_SRC := $(ROOT)/hyp/core/vcpu.c $(ROOT)/hyp/core/vcpu_irq.c $(ROOT)/hyp/core/vcpu_inject.c \
	$(ROOT)/hyp/core/hvc.c $(ROOT)/hyp/core/state.c \
	$(ROOT)/hyp/core/psci.c \
	$(ROOT)/hyp/core/guest_trap.c $(ROOT)/hyp/core/smccc.c $(ROOT)/hyp/core/rng.c \
	$(ROOT)/lib/fdt.c $(SUPPORT)/fake_vcpu.c $(SUPPORT)/fake_smccc.c
# The platform description read from a device tree.
CORE_PLATFORM_SRC := $(ROOT)/hyp/core/platform.c
# The VMM's control protocol codec, and its VM configuration parser.
VMM_PROTO_SRC := $(ROOT)/vmm/ctl/proto.c
VMM_VMCFG_SRC := $(ROOT)/vmm/core/vmcfg.c $(ROOT)/lib/fmt.c
# The rest of the VMM's pure code: device models, the switch, the device
# tree writer.
VMM_DEV_SRC := $(ROOT)/vmm/dev/pl011.c $(ROOT)/vmm/dev/vgic.c \
	$(ROOT)/vmm/dev/virtio_mmio.c $(ROOT)/vmm/dev/virtq.c $(ROOT)/vmm/dev/vdev.c \
	$(ROOT)/vmm/dev/virtio_blk.c $(ROOT)/vmm/dev/virtio_net.c $(ROOT)/vmm/dev/virtio_con.c \
	$(ROOT)/vmm/dev/virtio_input.c \
	$(ROOT)/vmm/dev/netseg.c \
	$(ROOT)/vmm/core/vswitch.c $(ROOT)/vmm/core/fdtw.c

# Headers a change to which rebuilds the programs.
CORE_HEADERS := $(wildcard $(ROOT)/lib/include/*/*.h $(ROOT)/hyp/include/*/*.h \
	$(ROOT)/hyp/core/*.h $(ROOT)/vmm/include/*/*.h $(SUPPORT)/*.h)
