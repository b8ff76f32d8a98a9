/* linux/irqreturn.h - what an interrupt handler returns. */
#ifndef _LINUX_IRQRETURN_H
#define _LINUX_IRQRETURN_H

typedef int irqreturn_t;

#define IRQ_NONE	0
#define IRQ_HANDLED	1

#endif
