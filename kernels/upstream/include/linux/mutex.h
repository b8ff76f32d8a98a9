/* linux/mutex.h - sleeping mutexes (2.6.16). */
#ifndef _LINUX_MUTEX_H
#define _LINUX_MUTEX_H

#include <linux/list.h>
#include <linux/spinlock.h>

struct mutex {
	int count;			/* 1: unlocked, 0: locked */
	spinlock_t wait_lock;
	struct list_head wait_list;
};

#define __MUTEX_INITIALIZER(name) \
	{ 1, SPIN_LOCK_UNLOCKED, LIST_HEAD_INIT((name).wait_list) }
#define DEFINE_MUTEX(name) \
	struct mutex name = __MUTEX_INITIALIZER(name)

void mutex_init(struct mutex *lock);
void mutex_lock(struct mutex *lock);
int mutex_lock_interruptible(struct mutex *lock);
void mutex_unlock(struct mutex *lock);

#endif
