/* linux/kernel.h - printk, the string formatters and small helpers. */
#ifndef _LINUX_KERNEL_H
#define _LINUX_KERNEL_H

#include <stdarg.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/compiler.h>

#define KERN_EMERG	"<0>"
#define KERN_ERR	"<3>"
#define KERN_WARNING	"<4>"
#define KERN_NOTICE	"<5>"
#define KERN_INFO	"<6>"
#define KERN_DEBUG	"<7>"

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int sprintf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list args)
	__attribute__((format(printf, 3, 0)));
int sscanf(const char *buf, const char *fmt, ...)
	__attribute__((format(scanf, 2, 3)));
int vsscanf(const char *buf, const char *fmt, va_list args)
	__attribute__((format(scanf, 2, 0)));
unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base);

void panic(const char *fmt, ...) __attribute__((noreturn));
#define BUG()		panic("BUG at %s:%d", __FILE__, __LINE__)
#define BUG_ON(cond)	do { if (unlikely(cond)) BUG(); } while (0)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define min(x, y)	((x) < (y) ? (x) : (y))
#define max(x, y)	((x) > (y) ? (x) : (y))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#endif
