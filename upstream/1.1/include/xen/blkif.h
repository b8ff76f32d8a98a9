/*
 * blkif.h - the block device protocol between blkfront and blkback.
 */
#ifndef __XEN_BLKIF_H__
#define __XEN_BLKIF_H__

#include <linux/types.h>
#include <xen/ring.h>
#include <xen/grant_table.h>

typedef u16 blkif_vdev_t;
typedef u64 blkif_sector_t;

#define BLKIF_OP_READ			0
#define BLKIF_OP_WRITE			1
#define BLKIF_OP_WRITE_BARRIER		2

/* One request maps at most this many pages. */
#define BLKIF_MAX_SEGMENTS_PER_REQUEST	11

struct blkif_request_segment {
	grant_ref_t gref;
	u8 first_sect, last_sect;	/* 512-byte sectors within the page */
};

struct blkif_request {
	u8 operation;
	u8 nr_segments;
	blkif_vdev_t handle;
	u64 id;				/* echoed in the response */
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct blkif_response {
	u64 id;
	u8 operation;
	s16 status;
};

#define BLKIF_RSP_EOPNOTSUPP	-2
#define BLKIF_RSP_ERROR		-1
#define BLKIF_RSP_OKAY		0

/* Flags in the backend's "info" node. */
#define VDISK_CDROM		0x1
#define VDISK_REMOVABLE		0x2
#define VDISK_READONLY		0x4

DEFINE_XEN_RING(blkif, struct blkif_request, struct blkif_response);

#endif /* __XEN_BLKIF_H__ */
