/* linux/wait.h - wait queues. */
#ifndef _LINUX_WAIT_H
#define _LINUX_WAIT_H

#include <linux/list.h>
#include <linux/spinlock.h>

typedef struct __wait_queue_head {
	spinlock_t lock;
	struct list_head task_list;
} wait_queue_head_t;

#define __WAIT_QUEUE_HEAD_INITIALIZER(name) \
	{ SPIN_LOCK_UNLOCKED, { &(name).task_list, &(name).task_list } }
#define DECLARE_WAIT_QUEUE_HEAD(name) \
	wait_queue_head_t name = __WAIT_QUEUE_HEAD_INITIALIZER(name)

void init_waitqueue_head(wait_queue_head_t *q);
void wake_up(wait_queue_head_t *q);

/* Sleep until cond holds; -ERESTARTSYS (here -EINTR's stand-in) on a signal. */
int __wait_event_interruptible_begin(wait_queue_head_t *wq);
#define wait_event_interruptible(wq, cond) ({				\
	int __ret = 0;							\
	while (!(cond) && !__ret)					\
		__ret = __wait_event_interruptible_begin(&(wq));	\
	__ret;								\
})

#endif
