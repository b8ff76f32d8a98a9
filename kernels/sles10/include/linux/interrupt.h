/*
 * linux/interrupt.h - 2.6.16: handlers get the saved registers
 * (until 2.6.19); flags are the SA_* bits (IRQF_* only in 2.6.18).
 */
#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H

#include <linux/irqreturn.h>
#include <asm/ptrace.h>

#define SA_SHIRQ		0x04000000
#define SA_SAMPLE_RANDOM	0x10000000
#define SA_INTERRUPT		0x20000000

int request_irq(unsigned int irq,
		irqreturn_t (*handler)(int, void *, struct pt_regs *),
		unsigned long irqflags, const char *devname, void *dev_id);
void free_irq(unsigned int irq, void *dev_id);

#endif
