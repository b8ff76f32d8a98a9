/* linux/compiler.h - branch hints and attributes (every 2.6 kernel). */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define __user
#define __iomem
#define __force
#define __must_check	__attribute__((warn_unused_result))

#endif
