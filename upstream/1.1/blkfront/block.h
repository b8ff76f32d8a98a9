/*
 * block.h - state shared by the parts of the virtual block front end.
 */
#ifndef __BLKFRONT_BLOCK_H__
#define __BLKFRONT_BLOCK_H__

#include <linux/version.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/interrupt.h>
#include <linux/blkdev.h>
#include <linux/genhd.h>
#include <linux/cdrom.h>
#include <xen/xenbus.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/blkif.h>

#define XENVBD_MAJOR		202
#define XENVBD_PARTS		16	/* minors per disk */
#define BLK_RING_SIZE		__CONST_RING_SIZE(blkif, PAGE_SIZE)
#define BLK_SHADOW_IN_USE	(BLK_RING_SIZE + 1)

enum blkfront_state {
	BLKFRONT_DISCONNECTED,
	BLKFRONT_CONNECTED,
	BLKFRONT_SUSPENDED,
};

/* What we sent for one ring slot, kept to complete or replay it. */
struct blk_shadow {
	struct blkif_request req;
	struct request *request;
	unsigned long frame[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct blkfront_info {
	struct xenbus_device *xbdev;
	struct gendisk *gd;
	struct request_queue *rq;
	spinlock_t io_lock;
	int vdevice;
	blkif_vdev_t handle;
	enum blkfront_state connected;
	int ring_ref;
	struct blkif_front_ring ring;
	unsigned int evtchn, irq;
	struct blk_shadow *shadow[BLK_RING_SIZE];
	unsigned long next_free[BLK_RING_SIZE];
	unsigned long shadow_free;
	struct work_struct restart_work;
	struct gnttab_free_callback callback;
	bool feature_barrier;
	int users;
};

#endif /* __BLKFRONT_BLOCK_H__ */
