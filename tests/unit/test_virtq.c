/*
 * Split virtqueues as a guest driver would drive them (virtq_driver.h):
 * the queue walked and filled directly, then through a block device each
 * kind of refusal (the device then needs a reset and touches nothing),
 * grants, and the driver's reset.
 */
#include <string.h>

#include "harness.h"
#include "virtq_driver.h"

/* ------------------------------------------------------ virtqueues ---- */

TEST(virtq_pop_push_direct)
{
	struct virtio_queue q = { 8, 8, true, DESC(0), AVAIL(0), USED(0) };
	struct virtq vq = { 0xffff, 0xffff }; /* both indexes about to wrap */
	struct virtq_req r;
	u8 buf[8];

	drv_ram_reset();
	drv_qnum[0] = 8;
	drv_avail[0] = 0xffff;
	drv_put16(AVAIL(0) + 2, 0xffff);
	drv_put16(USED(0) + 2, 0xffff);
	CHECK_EQ(virtq_pop(&vq, &q, &drv_mem, 100, &r), VQ_EMPTY);
	for (u32 i = 0; i < 256; i++) {
		drv_ram(DATA)[i] = (u8)i;
	}
	drv_desc(0, 5, DATA, 10, F_NEXT, 2);
	drv_desc(0, 2, DATA + 100, 6, F_NEXT, 6);
	drv_desc(0, 6, DATA + 200, 20, F_WRITE, 0);
	drv_post(0, 5); /* ring entry 0xffff % 8 = 7, avail idx 0 */
	CHECK_EQ(virtq_pop(&vq, &q, &drv_mem, 35, &r), VQ_E_LEN);
	vq.last_avail = 0xffff;
	CHECK_EQ(virtq_pop(&vq, &q, &drv_mem, 36, &r), VQ_REQ);
	CHECK_EQ(vq.last_avail, 0);
	CHECK_EQ(r.head, 5);
	CHECK_EQ(r.nout, 2);
	CHECK_EQ(r.nin, 1);
	CHECK_EQ(r.out_len, 16);
	CHECK_EQ(r.in_len, 20);
	CHECK_EQ(r.seg[1].gpa, DATA + 100);
	CHECK_EQ(virtq_pop(&vq, &q, &drv_mem, 36, &r), VQ_EMPTY);

	/* Reads across segments; nothing past the readable part. */
	CHECK_EQ(virtq_read(&drv_mem, &r, 7, buf, 6), 0);
	CHECK(memcmp(buf, "\x07\x08\x09\x64\x65\x66", 6) == 0);
	CHECK_EQ(virtq_read(&drv_mem, &r, 12, buf, 5), -1);
	CHECK_EQ(virtq_write(&drv_mem, &r, 18, "ab", 2), 0);
	CHECK(memcmp(drv_ram(DATA + 218), "ab", 2) == 0);
	CHECK_EQ(virtq_write(&drv_mem, &r, 19, "ab", 2), -1);

	CHECK_EQ(virtq_push(&vq, &q, &drv_mem, 5, 20), 0);
	CHECK_EQ(drv_used_idx(0), 0);
	CHECK_EQ(drv_used_id(0, 7), 5);
	CHECK_EQ(drv_used_len(0, 7), 20);
	drv_grant(USED(0), false);
	CHECK_EQ(virtq_push(&vq, &q, &drv_mem, 5, 20), VQ_E_MEM);
	CHECK_EQ(vq.used_idx, 0);
}


/* ------------------------------------------------- block: refusals ---- */

TEST(virtq_refuse_addr_outside_ram)
{
	drv_blk_setup(8, false);
	drv_blk_req(0, VIRTIO_BLK_T_IN, 0, 512, true);
	drv_desc(0, 1, RAM_BASE + RAM_SIZE - 256, 512, F_NEXT | F_WRITE, 2);
	CHECK_REFUSED(drv_kick(0), VQ_E_ADDR);

	/* An address + len that wraps around 2^64, ending inside RAM. */
	drv_blk_setup(8, false);
	drv_blk_req(0, VIRTIO_BLK_T_IN, 0, 512, true);
	drv_desc(0, 1, UINT64_MAX - 0xfff, (u32)(RAM_BASE + 0x3000), F_NEXT | F_WRITE, 2);
	CHECK_REFUSED(drv_kick(0), VQ_E_ADDR);
}

TEST(virtq_refuse_loop)
{
	drv_blk_setup(8, false);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	drv_desc(0, 1, DATA, 512, F_NEXT, 0); /* 0 -> 1 -> 0 */
	CHECK_REFUSED(drv_kick(0), VQ_E_LOOP);
}

TEST(virtq_refuse_chain_longer_than_ring)
{
	drv_blk_setup(8, false);
	for (u16 i = 0; i < 8; i++) {
		drv_desc(0, i, i == 0 ? HDR : DATA, i == 0 ? 16 : 512, F_NEXT, (u16)((i + 1) % 8));
	}
	drv_post(0, 0);
	CHECK_REFUSED(drv_kick(0), VQ_E_LOOP);
}

TEST(virtq_refuse_head_index)
{
	drv_blk_setup(8, false);
	drv_desc(0, 0, HDR, 16, F_NEXT, 1);
	drv_desc(0, 1, STATUS, 1, F_WRITE, 0);
	drv_post(0, 8);
	CHECK_REFUSED(drv_kick(0), VQ_E_INDEX);
}

TEST(virtq_refuse_next_index)
{
	drv_blk_setup(8, false);
	drv_blk_req(0, VIRTIO_BLK_T_FLUSH, 0, 0, false);
	drv_desc(0, 0, HDR, 16, F_NEXT, 8);
	CHECK_REFUSED(drv_kick(0), VQ_E_INDEX);
}

TEST(virtq_refuse_avail_ahead)
{
	drv_blk_setup(8, false);
	for (u16 i = 0; i < 9; i++) {
		drv_blk_req(0, VIRTIO_BLK_T_FLUSH, 0, 0, false); /* 9 entries on a ring of 8 */
	}
	CHECK_EQ(drv_get(AVAIL(0) + 2, 2), 9);
	CHECK_REFUSED(drv_kick(0), VQ_E_AVAIL);
}

TEST(virtq_refuse_readable_after_writable)
{
	drv_blk_setup(8, false);
	drv_desc(0, 0, HDR, 16, F_NEXT, 1);
	drv_desc(0, 1, STATUS, 1, F_NEXT | F_WRITE, 2);
	drv_desc(0, 2, DATA, 512, 0, 0);
	memcpy(drv_ram(HDR), "\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16); /* OUT, sector 0 */
	drv_post(0, 0);
	CHECK_REFUSED(drv_kick(0), VQ_E_ORDER);
}

TEST(virtq_refuse_indirect)
{
	drv_blk_setup(8, false);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	drv_desc(0, 1, DATA, 512, F_NEXT | VIRTQ_DESC_F_INDIRECT, 2);
	CHECK_REFUSED(drv_kick(0), VQ_E_INDIRECT);
}

TEST(virtq_refuse_zero_length)
{
	drv_blk_setup(8, false);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	drv_desc(0, 1, DATA, 0, F_NEXT, 2);
	CHECK_REFUSED(drv_kick(0), VQ_E_ADDR);
}

/* A write of 16 descriptors covering all of RAM (1 MiB each) after the
 * header, then `last` bytes and the status byte. */
static void huge_req(u32 last)
{
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 0, 0, false);
	drv_desc(0, 0, HDR, 16, F_NEXT, 1);
	for (u16 i = 1; i <= 16; i++) {
		drv_desc(0, i, RAM_BASE, i < 16 ? (u32)RAM_SIZE : last, F_NEXT, (u16)(i + 1));
	}
	drv_desc(0, 17, STATUS, 1, F_WRITE, 0);
}

TEST(virtq_refuse_too_long)
{
	/* Exactly VBLK_MAX_REQUEST is taken (and fails as past the disk)... */
	drv_blk_setup(32, false);
	huge_req((u32)(RAM_SIZE - 17));
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(1, 0, 1, VIRTIO_BLK_S_IOERR);
	/* ...one byte more is refused. */
	drv_snapshot();
	huge_req((u32)(RAM_SIZE - 16));
	CHECK_REFUSED(drv_kick(0), VQ_E_LEN);
}

/* A write of sectors 0..ndata-1, one descriptor per sector. */
static void segs_req(u16 ndata)
{
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 0, 0, false);
	for (u16 i = 1; i <= ndata; i++) {
		drv_desc(0, i, DATA + 512 * (u64)(i - 1), 512, F_NEXT, (u16)(i + 1));
	}
	drv_desc(0, (u16)(ndata + 1), STATUS, 1, F_WRITE, 0);
}

TEST(virtq_refuse_too_many_segments)
{
	drv_blk_setup(128, false);
	for (u32 i = 0; i < 63 * 512; i++) {
		drv_ram(DATA)[i] = (u8)(i / 512 + 100);
	}
	/* VIRTQ_SEGS in all (seg_max = 62 of data) is taken... */
	segs_req(VIRTQ_SEGS - 2);
	CHECK_EQ(drv_kick(0), 0);
	drv_check_served(1, 0, 1, VIRTIO_BLK_S_OK);
	CHECK(memcmp(drv_disk_data, drv_ram(DATA), 62 * 512) == 0);
	/* ...one more is refused. */
	drv_snapshot();
	segs_req(VIRTQ_SEGS - 1);
	CHECK_REFUSED(drv_kick(0), VQ_E_SEGS);
}

TEST(virtq_refuse_short_header)
{
	drv_blk_setup(8, false);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 0, 0, false);
	drv_desc(0, 0, HDR, 8, F_NEXT, 1);
	CHECK_REFUSED(drv_kick(0), VQ_E_SHORT);

	drv_blk_setup(8, false); /* no status byte */
	drv_desc(0, 0, HDR, 16, 0, 0);
	drv_post(0, 0);
	CHECK_REFUSED(drv_kick(0), VQ_E_SHORT);
}

/* --------------------------------------------------------- grants ---- */

TEST(virtq_ring_not_granted)
{
	drv_blk_setup(8, false);
	drv_blk_req(0, VIRTIO_BLK_T_IN, 0, 512, true);
	drv_grant(AVAIL(0), false);
	CHECK_REFUSED(drv_kick(0), VQ_E_MEM);
}

TEST(virtq_buffer_not_granted_then_reset)
{
	drv_blk_setup(8, false);
	memset(drv_ram(DATA), 0x5a, 512);
	drv_blk_req(0, VIRTIO_BLK_T_IN, 1, 512, true);
	drv_grant(DATA, false);
	CHECK_REFUSED(drv_kick(0), VQ_E_MEM);
	CHECK_EQ(*drv_ram(DATA), 0x5a);
	CHECK_EQ(*drv_ram(STATUS), 0xff);

	/* The driver resets the device and sets it up again, all granted:
	 * the same request (avail idx 1 again) is served. */
	drv_grant(DATA, true);
	drv_start(1, 8);
	CHECK_EQ(drv_dev.vq[0].last_avail, 0);
	CHECK_EQ(drv_rd(R_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	drv_blk_req(0, VIRTIO_BLK_T_IN, 1, 512, true);
	CHECK_EQ(drv_kick(0), 0);
	CHECK(memcmp(drv_ram(DATA), drv_disk_data + 512, 512) == 0);
	drv_check_served(1, 0, 513, VIRTIO_BLK_S_OK);
}

TEST(virtq_notify_ignored_while_needs_reset)
{
	drv_blk_setup(8, false);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	drv_put16(AVAIL(0) + 4, 9); /* head past the ring */
	CHECK_REFUSED(drv_kick(0), VQ_E_INDEX);
	/* A good request now: the notification is dropped, and the device
	 * would not take it anyway. */
	memset(drv_ram(DATA), 0xc3, 512);
	drv_blk_req(0, VIRTIO_BLK_T_OUT, 0, 512, false);
	CHECK_EQ(drv_kick(0), 1);
	CHECK_EQ(drv_dev.mmio.notified, 0);
	CHECK_EQ(vblk_process(&drv_dev, &drv_mem, &drv_disk), VQ_E_INDEX);
	CHECK_REFUSED(VQ_E_INDEX, VQ_E_INDEX);
	CHECK_EQ(*drv_ram(STATUS), 0xff);
}
