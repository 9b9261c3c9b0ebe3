/*
 * The virtio input device as Linux's virtio_input driver drives it: the
 * config space answers each select with the name, the ids and the two
 * keys; key events land one per event buffer; status buffers are taken
 * back; a device-readable event buffer or a short one is refused.
 */
#include <string.h>

#include "harness.h"
#include "virtq_driver.h"

/* The driver's config access: select, subsel, then size and u[]. */
static u32 cfg_select(u8 select, u8 subsel)
{
	(void)virtio_mmio_access(&drv_dev.mmio, VIRTIO_MMIO_CONFIG + 0, 1, true, select);
	vinput_config(&drv_dev);
	(void)virtio_mmio_access(&drv_dev.mmio, VIRTIO_MMIO_CONFIG + 1, 1, true, subsel);
	vinput_config(&drv_dev);
	return virtio_mmio_access(&drv_dev.mmio, VIRTIO_MMIO_CONFIG + 2, 1, false, 0);
}

static u8 cfg_u(u32 i)
{
	return (u8)virtio_mmio_access(&drv_dev.mmio, VIRTIO_MMIO_CONFIG + 8 + i, 1, false, 0);
}

TEST(virtq_input_config)
{
	char name[32] = { 0 };
	u32 n;

	vinput_init(&drv_dev);
	CHECK_EQ(drv_rd(0x008), VIRTIO_ID_INPUT); /* DeviceID */
	n = cfg_select(0x01, 0);                  /* ID_NAME */
	CHECK(n > 0 && n < sizeof(name));
	for (u32 i = 0; i < n; i++) {
		name[i] = (char)cfg_u(i);
	}
	CHECK(strcmp(name, "vmm power button") == 0);
	CHECK_EQ(cfg_select(0x02, 0), 0); /* no serial */
	CHECK_EQ(cfg_select(0x03, 0), 8); /* ids: bus virtual */
	CHECK_EQ(cfg_u(0), 0x06);
	CHECK_EQ(cfg_select(0x10, 0), 0); /* no properties */
	/* EV_KEY: KEY_POWER (116) and KEY_RESTART (408), nothing else */
	n = cfg_select(0x11, VINPUT_EV_KEY);
	CHECK_EQ(n, 408 / 8 + 1);
	for (u32 bit = 0; bit < n * 8; bit++) {
		bool set = (cfg_u(bit / 8) >> (bit % 8)) & 1;

		CHECK_EQ(set, bit == 116 || bit == 408);
	}
	CHECK_EQ(cfg_select(0x11, 2), 0); /* no EV_REL, EV_ABS, ... */
	CHECK_EQ(cfg_select(0x11, 3), 0);
	CHECK_EQ(cfg_select(0x12, 0), 0); /* no axes */
	CHECK_EQ(cfg_select(0x00, 0), 0); /* unset */
	CHECK_EQ(cfg_u(0), 0);            /* and u[] cleared with it */
}

TEST(virtq_input_events)
{
	const struct vinput_event press[] = {
		{ VINPUT_EV_KEY, VINPUT_KEY_POWER, 1 },
		{ VINPUT_EV_SYN, 0, 0 },
		{ VINPUT_EV_KEY, VINPUT_KEY_POWER, 0 },
		{ VINPUT_EV_SYN, 0, 0 },
	};

	drv_ram_reset();
	vinput_init(&drv_dev);
	drv_start(2, 8);
	CHECK_EQ(vinput_send(&drv_dev, &drv_mem, press, 4), 0); /* no buffer posted */
	for (u16 i = 0; i < 3; i++) {
		drv_desc(0, i, DATA + 8 * i, 8, F_WRITE, 0);
		drv_post(0, i);
	}
	/* Three buffers: three events; the fourth waits for the next. */
	CHECK_EQ(vinput_send(&drv_dev, &drv_mem, press, 4), 3);
	CHECK_EQ(drv_used_idx(0), 3);
	CHECK_EQ(drv_get(DATA, 2), VINPUT_EV_KEY);
	CHECK_EQ(drv_get(DATA + 2, 2), VINPUT_KEY_POWER);
	CHECK_EQ(drv_get(DATA + 4, 4), 1);
	CHECK_EQ(drv_get(DATA + 16 + 2, 2), VINPUT_KEY_POWER);
	CHECK_EQ(drv_get(DATA + 16 + 4, 4), 0);
	CHECK_EQ(drv_used_len(0, 0), 8);
	CHECK(drv_dev.mmio.interrupt_status & VIRTIO_INT_USED);
	/* A status buffer (an LED) is taken back unread. */
	drv_desc(1, 0, DATA + 0x100, 8, 0, 0);
	drv_post(1, 0);
	CHECK_EQ(drv_kick(1), 0);
	CHECK_EQ(drv_used_idx(1), 1);
	CHECK_EQ(drv_used_len(1, 0), 0);
	/* A short event buffer, then a device-readable one: refused. */
	drv_desc(0, 3, DATA + 0x200, 4, F_WRITE, 0);
	drv_post(0, 3);
	CHECK_EQ(vinput_send(&drv_dev, &drv_mem, press, 1), VQ_E_SHORT);
	CHECK(drv_dev.mmio.status & VIRTIO_STATUS_NEEDS_RESET);
	CHECK_EQ(vinput_send(&drv_dev, &drv_mem, press, 1), 0); /* until reset */
	drv_start(2, 8);
	drv_desc(0, 0, DATA, 8, 0, 0);
	drv_post(0, 0);
	CHECK_EQ(vinput_send(&drv_dev, &drv_mem, press, 1), VQ_E_ORDER);
}
