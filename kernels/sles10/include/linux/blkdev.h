/*
 * linux/blkdev.h - 2.6.16: request queues (request_queue_t).
 * elevator_init() takes a name (2.6.10); blk_queue_ordered() takes a
 * drain/flush mode (2.6.16); requests complete in two steps with
 * end_that_request_first()/_last(req, uptodate) and are walked bio by
 * bio.  No __blk_end_request() (2.6.25), no rq_for_each_segment() (2.6.24).
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
typedef struct request_queue request_queue_t;
typedef struct elevator_queue elevator_t;

#define REQ_RW			(1 << 0)
#define REQ_CMD			(1 << 6)
#define REQ_HARDBARRIER		(1 << 7)

struct request {
	struct list_head queuelist;
	request_queue_t *q;
	unsigned long flags;		/* REQ_* */
	sector_t sector;
	unsigned long nr_sectors;
	unsigned long hard_nr_sectors;
	struct bio *bio;
	struct gendisk *rq_disk;
	void *special;
};

typedef void (request_fn_proc)(request_queue_t *q);
typedef void (prepare_flush_fn)(request_queue_t *q, struct request *rq);

struct request_queue {
	struct list_head queue_head;
	elevator_t *elevator;
	request_fn_proc *request_fn;
	void *queuedata;
	spinlock_t *queue_lock;
};

#define blk_fs_request(rq)	((rq)->flags & REQ_CMD)
#define blk_barrier_rq(rq)	((rq)->flags & REQ_HARDBARRIER)
#define rq_data_dir(rq)		((rq)->flags & REQ_RW)

#define BLK_BOUNCE_ANY		(~0ULL)

request_queue_t *blk_init_queue(request_fn_proc *rfn, spinlock_t *lock);
void blk_cleanup_queue(request_queue_t *q);
int elevator_init(request_queue_t *q, char *name);

void blk_queue_hardsect_size(request_queue_t *q, unsigned short size);
void blk_queue_max_sectors(request_queue_t *q, unsigned int max);
void blk_queue_max_phys_segments(request_queue_t *q, unsigned short max);
void blk_queue_max_hw_segments(request_queue_t *q, unsigned short max);
void blk_queue_max_segment_size(request_queue_t *q, unsigned int max);
void blk_queue_segment_boundary(request_queue_t *q, unsigned long mask);
void blk_queue_bounce_limit(request_queue_t *q, u64 dma_addr);

#define QUEUE_ORDERED_BY_DRAIN		0x01
#define QUEUE_ORDERED_BY_TAG		0x02
#define QUEUE_ORDERED_DO_BAR		0x20
#define QUEUE_ORDERED_NONE		0x00
#define QUEUE_ORDERED_DRAIN		(QUEUE_ORDERED_BY_DRAIN | QUEUE_ORDERED_DO_BAR)
#define QUEUE_ORDERED_TAG		(QUEUE_ORDERED_BY_TAG | QUEUE_ORDERED_DO_BAR)
int blk_queue_ordered(request_queue_t *q, unsigned ordered,
		      prepare_flush_fn *prepare_flush);

void blk_start_queue(request_queue_t *q);
void blk_stop_queue(request_queue_t *q);
struct request *elv_next_request(request_queue_t *q);
void blkdev_dequeue_request(struct request *req);

void end_request(struct request *req, int uptodate);
int end_that_request_first(struct request *req, int uptodate, int nr_sectors);
void end_that_request_last(struct request *req, int uptodate);

#define rq_for_each_bio(_bio, rq)					\
	for ((_bio) = (rq)->bio; (_bio) != NULL; (_bio) = (_bio)->bi_next)

#endif
