/* asm/system.h - memory barriers and local interrupt control (x86). */
#ifndef _ASM_SYSTEM_H
#define _ASM_SYSTEM_H

#define mb()	__asm__ __volatile__("mfence" ::: "memory")
#define rmb()	__asm__ __volatile__("lfence" ::: "memory")
#define wmb()	__asm__ __volatile__("sfence" ::: "memory")

unsigned long __local_irq_save(void);
void __local_irq_restore(unsigned long flags);
#define local_irq_save(flags)	 do { (flags) = __local_irq_save(); } while (0)
#define local_irq_restore(flags) __local_irq_restore(flags)

#endif
