/*
 * linux/types.h - 2.6.16: gfp_t exists (2.6.14); bool does not
 * (2.6.19), and SLES 10 did not backport it.
 */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <asm/types.h>

typedef unsigned int gfp_t;

#endif
