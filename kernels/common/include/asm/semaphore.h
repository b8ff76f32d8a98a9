/* asm/semaphore.h - counting semaphores, also used as sleeping locks. */
#ifndef _ASM_SEMAPHORE_H
#define _ASM_SEMAPHORE_H

#include <linux/wait.h>

struct semaphore {
	int count;
	wait_queue_head_t wait;
};

#define __SEMAPHORE_INITIALIZER(name, n) \
	{ (n), __WAIT_QUEUE_HEAD_INITIALIZER((name).wait) }
#define DECLARE_MUTEX(name) \
	struct semaphore name = __SEMAPHORE_INITIALIZER(name, 1)

void sema_init(struct semaphore *sem, int val);
#define init_MUTEX(sem)		sema_init(sem, 1)
void down(struct semaphore *sem);
int down_interruptible(struct semaphore *sem);
void up(struct semaphore *sem);

#endif
