/*
 * The virtio block device's requests as a guest driver would send them
 * (virtq_driver.h): reads, writes, its id, flush, I/O errors past the
 * disk, a read-only disk, an unsupported request type.
 */
#include <string.h>

#include "harness.h"
#include "virtq_driver.h"

/* ------------------------------------------------- block: requests ---- */

TEST(virtq_blk_read)
{
	drv_blk_setup(8, false);
	memset(drv_ram(DATA), 0x5a, 2048);
	drv_blk_req(3, VIRTIO_BLK_T_IN, 2, 1024, true);
	CHECK_EQ(drv_kick(0), 0);
	CHECK(memcmp(drv_ram(DATA), drv_disk_data + 1024, 1024) == 0);
	CHECK_EQ(*drv_ram(DATA + 1024), 0x5a);
	drv_check_served(1, 3, 1025, VIRTIO_BLK_S_OK);
	CHECK(virtio_mmio_irq(&drv_dev.mmio));
}

TEST(virtq_blk_write)
{
	drv_blk_setup(8, false);
	memset(drv_ram(DATA), 0xc3, 512);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 5, 512, false);
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(1, 0, 1, VIRTIO_BLK_S_OK);
	CHECK_EQ(drv_disk_data[5 * 512], 0xc3);
	CHECK_EQ(drv_disk_data[6 * 512 - 1], 0xc3);
	CHECK(memcmp(drv_disk_data, drv_disk_before, 5 * 512) == 0);
	CHECK(memcmp(drv_disk_data + 6 * 512, drv_disk_before + 6 * 512,
		     sizeof(drv_disk_data) - 6 * 512) == 0);
}

TEST(virtq_blk_get_id_and_flush)
{
	drv_blk_setup(8, false);
	memset(drv_ram(DATA), 0x5a, 32);
	drv_blk_req(1, VIRTIO_BLK_T_GET_ID, 0, 20, true);
	CHECK_EQ(drv_kick(0), 0);
	CHECK(memcmp(drv_ram(DATA), "hyp-vblk\0\0\0\0\0\0\0\0\0\0\0\0", 20) == 0);
	CHECK_EQ(*drv_ram(DATA + 20), 0x5a);
	drv_check_served(1, 1, 21, VIRTIO_BLK_S_OK);

	drv_blk_req(4, VIRTIO_BLK_T_FLUSH, 0, 0, false);
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(2, 4, 1, VIRTIO_BLK_S_OK);
}

TEST(virtq_blk_ioerr)
{
	drv_blk_setup(8, false);
	memset(drv_ram(DATA), 0x5a, 1024);
	drv_blk_req(0, VIRTIO_BLK_T_IN, SECTORS - 1, 1024, true);
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(1, 0, 1, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(*drv_ram(DATA), 0x5a);

	drv_blk_req(0, VIRTIO_BLK_T_OUT, SECTORS - 1, 1024, false);
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(2, 0, 1, VIRTIO_BLK_S_IOERR);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, UINT64_MAX, 512, false);
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(3, 0, 1, VIRTIO_BLK_S_IOERR);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 0, 513, false); /* not whole sectors */
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(4, 0, 1, VIRTIO_BLK_S_IOERR);
	CHECK(memcmp(drv_disk_data, drv_disk_before, sizeof(drv_disk_data)) == 0);
}

TEST(virtq_blk_read_only)
{
	drv_blk_setup(8, true);
	CHECK((drv_dev.mmio.device_features & VIRTIO_BLK_F_RO) != 0);
	memset(drv_ram(DATA), 0xc3, 512);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(1, 0, 1, VIRTIO_BLK_S_IOERR);
	CHECK(memcmp(drv_disk_data, drv_disk_before, sizeof(drv_disk_data)) == 0);
}

TEST(virtq_blk_unsupported)
{
	drv_blk_setup(8, false);
	drv_blk_req(2, 99, 0, 512, true);
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(1, 2, 1, VIRTIO_BLK_S_UNSUPP);
}

/* ------------------------------------- block: a disk reached by io() ---- */

/* The backing store of an io() disk: drv_disk_data, a chunk at a time. */
static u32 io_calls;
static u32 io_fail_at; /* the call that fails (1-based), 0: none */
static u32 flushes;

static int fake_io(void *ctx, bool write, u64 sector, void *buf, u32 n)
{
	(void)ctx;
	if (++io_calls == io_fail_at) {
		return -9;
	}
	if (write) {
		memcpy(drv_disk_data + sector * 512, buf, n * 512);
	} else {
		memcpy(buf, drv_disk_data + sector * 512, n * 512);
	}
	return 0;
}

static int fake_flush(void *ctx)
{
	(void)ctx;
	flushes++;
	return 0;
}

TEST(virtq_blk_through_io)
{
	static u8 chunk[1024];
	struct vblk_disk keep = drv_disk;

	drv_disk = (struct vblk_disk){ NULL, sizeof(drv_disk_data), false, fake_io, fake_flush,
				       NULL, chunk, sizeof(chunk) };
	io_calls = 0;
	io_fail_at = 0;
	flushes = 0;
	drv_blk_setup(8, false);
	/* 3 KiB read: three chunks, in order */
	drv_blk_req(0, VIRTIO_BLK_T_IN, 4, 3072, true);
	CHECK_EQ(drv_kick(0), 0);
	CHECK(memcmp(drv_ram(DATA), drv_disk_data + 4 * 512, 3072) == 0);
	CHECK_EQ(io_calls, 3);
	drv_check_served(1, 0, 3073, VIRTIO_BLK_S_OK);
	/* 1.5 KiB write: a chunk and a half */
	memset(drv_ram(DATA), 0xc3, 1536);
	drv_blk_req(3, VIRTIO_BLK_T_OUT, 10, 1536, false);
	CHECK_EQ(drv_kick(0), 0);
	CHECK_EQ(io_calls, 5);
	CHECK_EQ(drv_disk_data[10 * 512], 0xc3);
	CHECK_EQ(drv_disk_data[13 * 512 - 1], 0xc3);
	CHECK(memcmp(drv_disk_data + 13 * 512, drv_disk_before + 13 * 512, 512) == 0);
	drv_check_served(2, 3, 1, VIRTIO_BLK_S_OK);
	/* a flush reaches the disk */
	drv_blk_req(5, VIRTIO_BLK_T_FLUSH, 0, 0, false);
	CHECK_EQ(drv_kick(0), 0);
	CHECK_EQ(flushes, 1);
	drv_check_served(3, 5, 1, VIRTIO_BLK_S_OK);
	/* the disk fails on the second chunk of a read: IOERR, the device goes on */
	io_fail_at = io_calls + 2;
	drv_blk_req(0, VIRTIO_BLK_T_IN, 0, 2048, true);
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(4, 0, 1, VIRTIO_BLK_S_IOERR);
	drv_disk = keep;
}

TEST(virtq_blk_through_io_read_only)
{
	static u8 chunk[512];
	struct vblk_disk keep = drv_disk;

	drv_disk = (struct vblk_disk){ NULL, sizeof(drv_disk_data), true, fake_io, NULL, NULL,
				       chunk, sizeof(chunk) };
	io_calls = 0;
	io_fail_at = 0;
	drv_blk_setup(8, true);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 1, 512, false);
	CHECK_EQ(drv_kick(0), 0);
	CHECK_EQ(io_calls, 0);
	drv_check_served(1, 0, 1, VIRTIO_BLK_S_IOERR);
	CHECK(memcmp(drv_disk_data, drv_disk_before, sizeof(drv_disk_data)) == 0);
	drv_disk = keep;
}
