/* linux/kthread.h - kernel threads. */
#ifndef _LINUX_KTHREAD_H
#define _LINUX_KTHREAD_H

#include <linux/err.h>

struct task_struct;

struct task_struct *kthread_create(int (*threadfn)(void *data), void *data,
				   const char *namefmt, ...)
	__attribute__((format(printf, 3, 4)));
int wake_up_process(struct task_struct *tsk);
int kthread_should_stop(void);
int kthread_stop(struct task_struct *k);

#define kthread_run(threadfn, data, namefmt, ...) ({			   \
	struct task_struct *__k						   \
		= kthread_create(threadfn, data, namefmt, ## __VA_ARGS__); \
	if (!IS_ERR(__k))						   \
		wake_up_process(__k);					   \
	__k;								   \
})

#endif
