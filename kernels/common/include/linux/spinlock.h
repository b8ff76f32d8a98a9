/* linux/spinlock.h - spinlocks, plain and interrupt-safe. */
#ifndef _LINUX_SPINLOCK_H
#define _LINUX_SPINLOCK_H

#include <asm/system.h>

typedef struct {
	volatile unsigned int slock;
} spinlock_t;

#define SPIN_LOCK_UNLOCKED	((spinlock_t) { 1 })
#define spin_lock_init(x)	do { *(x) = SPIN_LOCK_UNLOCKED; } while (0)

void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
void spin_lock_irq(spinlock_t *lock);
void spin_unlock_irq(spinlock_t *lock);
void spin_lock_bh(spinlock_t *lock);
void spin_unlock_bh(spinlock_t *lock);
unsigned long __spin_lock_irqsave(spinlock_t *lock);
void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
#define spin_lock_irqsave(lock, flags) \
	do { (flags) = __spin_lock_irqsave(lock); } while (0)

#endif
