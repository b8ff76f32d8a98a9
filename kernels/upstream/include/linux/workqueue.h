/*
 * linux/workqueue.h - 2.6.27: a work function gets its work_struct
 * (2.6.20); INIT_WORK() takes two arguments.
 */
#ifndef _LINUX_WORKQUEUE_H
#define _LINUX_WORKQUEUE_H

#include <linux/list.h>
#include <linux/timer.h>

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	unsigned long data;
	struct list_head entry;
	work_func_t func;
};

struct delayed_work {
	struct work_struct work;
	struct timer_list timer;
};

#define INIT_WORK(_work, _func) do {					\
	(_work)->data = 0;						\
	INIT_LIST_HEAD(&(_work)->entry);				\
	(_work)->func = (_func);					\
} while (0)

int schedule_work(struct work_struct *work);
int schedule_delayed_work(struct delayed_work *work, unsigned long delay);
void flush_scheduled_work(void);

#endif
