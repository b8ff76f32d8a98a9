/*
 * linux/workqueue.h - 2.6.5: a work item carries a function and a
 * data pointer; INIT_WORK() takes three arguments (until 2.6.20).
 */
#ifndef _LINUX_WORKQUEUE_H
#define _LINUX_WORKQUEUE_H

#include <linux/list.h>
#include <linux/timer.h>

struct work_struct {
	unsigned long pending;
	struct list_head entry;
	void (*func)(void *);
	void *data;
	void *wq_data;
	struct timer_list timer;
};

#define INIT_WORK(_work, _func, _data) do {				\
	INIT_LIST_HEAD(&(_work)->entry);				\
	(_work)->pending = 0;						\
	(_work)->func = (_func);					\
	(_work)->data = (_data);					\
} while (0)

int schedule_work(struct work_struct *work);
int schedule_delayed_work(struct work_struct *work, unsigned long delay);
void flush_scheduled_work(void);

#endif
