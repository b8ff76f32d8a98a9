/*
 * linux/types.h - RHEL 5.4 (2.6.18): gfp_t (2.6.14).  bool arrived
 * upstream in 2.6.19, but RHEL 5.4 backported it, so it is here too.
 */
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
