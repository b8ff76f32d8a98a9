/*
 * linux/interrupt.h - 2.6.27: handlers take (irq, dev_id) and have a
 * type, irq_handler_t (both 2.6.19); flags are IRQF_* (2.6.18), the
 * old SA_* names are gone.
 */
#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H

#include <linux/irqreturn.h>
#include <asm/ptrace.h>

#define IRQF_DISABLED		0x00000020
#define IRQF_SAMPLE_RANDOM	0x00000040
#define IRQF_SHARED		0x00000080

typedef irqreturn_t (*irq_handler_t)(int, void *);

int request_irq(unsigned int irq, irq_handler_t handler,
		unsigned long irqflags, const char *devname, void *dev_id);
void free_irq(unsigned int irq, void *dev_id);

#endif
