/*
 * linux/blkdev.h - 2.6.27: request queues.  elevator_init() takes the
 * elevator's name (2.6.10); barriers are set with a drain/flush mode
 * (2.6.16); requests complete with __blk_end_request() (2.6.25) and are
 * walked with rq_for_each_segment() (2.6.24).
 */
#ifndef _LINUX_BLKDEV_H
#define _LINUX_BLKDEV_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/fs.h>
#include <linux/genhd.h>
#include <linux/bio.h>

struct request_queue;
struct elevator_queue;

enum rq_cmd_type_bits {
	REQ_TYPE_FS		= 1,
	REQ_TYPE_BLOCK_PC,
	REQ_TYPE_SENSE,
	REQ_TYPE_SPECIAL,
};

#define REQ_RW			(1 << 0)
#define REQ_HARDBARRIER		(1 << 7)

struct request {
	struct list_head queuelist;
	struct request_queue *q;
	unsigned int cmd_flags;
	enum rq_cmd_type_bits cmd_type;
	sector_t sector;
	unsigned long nr_sectors;
	unsigned long hard_nr_sectors;
	struct bio *bio;
	struct gendisk *rq_disk;
	void *special;
};

typedef void (request_fn_proc)(struct request_queue *q);
typedef void (prepare_flush_fn)(struct request_queue *q, struct request *rq);

struct request_queue {
	struct list_head queue_head;
	struct elevator_queue *elevator;
	request_fn_proc *request_fn;
	void *queuedata;
	spinlock_t *queue_lock;
};

#define blk_fs_request(rq)	((rq)->cmd_type == REQ_TYPE_FS)
#define blk_barrier_rq(rq)	((rq)->cmd_flags & REQ_HARDBARRIER)
#define rq_data_dir(rq)		((rq)->cmd_flags & REQ_RW)

#define BLK_BOUNCE_ANY		(~0ULL)

struct request_queue *blk_init_queue(request_fn_proc *rfn, spinlock_t *lock);
void blk_cleanup_queue(struct request_queue *q);
int elevator_init(struct request_queue *q, char *name);

void blk_queue_hardsect_size(struct request_queue *q, unsigned short size);
void blk_queue_max_sectors(struct request_queue *q, unsigned int max);
void blk_queue_max_phys_segments(struct request_queue *q, unsigned short max);
void blk_queue_max_hw_segments(struct request_queue *q, unsigned short max);
void blk_queue_max_segment_size(struct request_queue *q, unsigned int max);
void blk_queue_segment_boundary(struct request_queue *q, unsigned long mask);
void blk_queue_bounce_limit(struct request_queue *q, u64 dma_addr);

#define QUEUE_ORDERED_BY_DRAIN		0x01
#define QUEUE_ORDERED_BY_TAG		0x02
#define QUEUE_ORDERED_DO_BAR		0x20
#define QUEUE_ORDERED_NONE		0x00
#define QUEUE_ORDERED_DRAIN		(QUEUE_ORDERED_BY_DRAIN | QUEUE_ORDERED_DO_BAR)
#define QUEUE_ORDERED_TAG		(QUEUE_ORDERED_BY_TAG | QUEUE_ORDERED_DO_BAR)
int blk_queue_ordered(struct request_queue *q, unsigned ordered,
		      prepare_flush_fn *prepare_flush);

void blk_start_queue(struct request_queue *q);
void blk_stop_queue(struct request_queue *q);
struct request *elv_next_request(struct request_queue *q);
void blkdev_dequeue_request(struct request *req);

void end_request(struct request *req, int uptodate);
int __blk_end_request(struct request *rq, int error, unsigned int nr_bytes);
unsigned int blk_rq_bytes(struct request *rq);

struct req_iterator {
	int i;
	struct bio *bio;
};

/* Every segment of every bio of a request. */
#define rq_for_each_segment(bvl, _rq, _iter)				\
	for ((_iter).bio = (_rq)->bio; (_iter).bio != NULL;		\
	     (_iter).bio = (_iter).bio->bi_next)			\
		bio_for_each_segment(bvl, (_iter).bio, (_iter).i)

#endif
