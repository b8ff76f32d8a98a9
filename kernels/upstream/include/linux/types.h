/* linux/types.h - 2.6.27: gfp_t (2.6.14) and bool (2.6.19) exist. */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <asm/types.h>

typedef unsigned int gfp_t;

typedef _Bool bool;
enum {
	false	= 0,
	true	= 1
};

#endif
