/*
 * linux/blkdev.h - 2.6.5: request queues (request_queue_t).
 * elevator_init() takes an elevator_t such as elevator_noop (a name only
 * from 2.6.10); blk_queue_ordered() takes QUEUE_ORDERED_NONE/TAG/FLUSH
 * (drain modes in 2.6.16); requests complete with end_that_request_first()
 * and a one-argument end_that_request_last() (uptodate added in 2.6.16).
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
typedef struct elevator_s elevator_t;

struct elevator_s {
	const char *elevator_name;
	void *elevator_data;
};

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
extern elevator_t elevator_noop;
int elevator_init(request_queue_t *q, elevator_t *type);

void blk_queue_hardsect_size(request_queue_t *q, unsigned short size);
void blk_queue_max_sectors(request_queue_t *q, unsigned int max);
void blk_queue_max_phys_segments(request_queue_t *q, unsigned short max);
void blk_queue_max_hw_segments(request_queue_t *q, unsigned short max);
void blk_queue_max_segment_size(request_queue_t *q, unsigned int max);
void blk_queue_segment_boundary(request_queue_t *q, unsigned long mask);
void blk_queue_bounce_limit(request_queue_t *q, u64 dma_addr);

#define QUEUE_ORDERED_NONE	0	/* no barriers */
#define QUEUE_ORDERED_TAG	1	/* ordered tags */
#define QUEUE_ORDERED_FLUSH	2	/* cache flushes around the barrier */
void blk_queue_ordered(request_queue_t *q, int flag);

void blk_start_queue(request_queue_t *q);
void blk_stop_queue(request_queue_t *q);
struct request *elv_next_request(request_queue_t *q);
void blkdev_dequeue_request(struct request *req);

void end_request(struct request *req, int uptodate);
int end_that_request_first(struct request *req, int uptodate, int nr_sectors);
void end_that_request_last(struct request *req);

#define rq_for_each_bio(_bio, rq)					\
	for ((_bio) = (rq)->bio; (_bio) != NULL; (_bio) = (_bio)->bi_next)

#endif
