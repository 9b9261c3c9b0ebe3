/*
 * The virtio console device as a guest driver would drive it
 * (virtq_driver.h): bytes written out in order, bytes typed in, a
 * device-readable receive buffer refused.
 */
#include <string.h>

#include "harness.h"
#include "virtq_driver.h"

TEST(virtq_con_transmit)
{
	drv_ram_reset();
	drv_con_len = 0;
	drv_con_calls = 0;
	vcon_init(&drv_dev);
	drv_start(2, 8);
	memcpy(drv_ram(DATA), "hello, ", 7);
	memcpy(drv_ram(DATA + 0x100), "world\n", 6);
	drv_desc(1, 6, DATA, 7, F_NEXT, 7);
	drv_desc(1, 7, DATA + 0x100, 6, 0, 0);
	drv_post(1, 6);
	CHECK_EQ(drv_kick(1), 0);
	CHECK_EQ(drv_con_len, 13);
	CHECK_EQ(drv_con_calls, 1);
	CHECK(memcmp(drv_con_buf, "hello, world\n", 13) == 0);
	CHECK_EQ(drv_used_idx(1), 1);
	CHECK_EQ(drv_used_id(1, 0), 6);
	CHECK_EQ(drv_used_len(1, 0), 0);

	/* More than the device's 256-byte chunk, in order. */
	for (u32 i = 0; i < 300; i++) {
		drv_ram(DATA + 0x1000)[i] = (u8)('a' + i % 26);
	}
	drv_desc(1, 0, DATA + 0x1000, 300, 0, 0);
	drv_post(1, 0);
	CHECK_EQ(drv_kick(1), 0);
	CHECK_EQ(drv_con_len, 313);
	CHECK_EQ(drv_con_calls, 3); /* 256 + 44 */
	CHECK(memcmp(drv_con_buf + 13, drv_ram(DATA + 0x1000), 300) == 0);
	CHECK_EQ(drv_used_idx(1), 2);
	CHECK(drv_dev.mmio.interrupt_status & VIRTIO_INT_USED);
}

TEST(virtq_con_receive)
{
	drv_ram_reset();
	vcon_init(&drv_dev);
	drv_start(2, 8);
	CHECK_EQ(vcon_receive(&drv_dev, &drv_mem, (const u8 *)"ls\n", 3), 0); /* none posted */
	memset(drv_ram(DATA), 0x5a, 16);
	drv_desc(0, 2, DATA, 2, F_WRITE, 0); /* room for two bytes */
	drv_post(0, 2);
	CHECK_EQ(vcon_receive(&drv_dev, &drv_mem, (const u8 *)"ls\n", 3), 2);
	CHECK(memcmp(drv_ram(DATA), "ls\x5a", 3) == 0);
	CHECK_EQ(drv_used_idx(0), 1);
	CHECK_EQ(drv_used_id(0, 0), 2);
	CHECK_EQ(drv_used_len(0, 0), 2);
	CHECK(drv_dev.mmio.interrupt_status & VIRTIO_INT_USED);
	/* A device-readable receive buffer is refused. */
	drv_desc(0, 4, DATA, 8, 0, 0);
	drv_post(0, 4);
	CHECK_EQ(vcon_receive(&drv_dev, &drv_mem, (const u8 *)"\n", 1), VQ_E_ORDER);
	CHECK(drv_dev.mmio.status & VIRTIO_STATUS_NEEDS_RESET);
	CHECK_EQ(drv_used_idx(0), 1);
}
