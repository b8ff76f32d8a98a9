/* linux/jiffies.h - the tick counter. */
#ifndef _LINUX_JIFFIES_H
#define _LINUX_JIFFIES_H

#define HZ	250

extern volatile unsigned long jiffies;

#endif
