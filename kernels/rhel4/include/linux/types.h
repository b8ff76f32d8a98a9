/*
 * linux/types.h - 2.6.9: no gfp_t (allocation flags are a plain
 * unsigned int until 2.6.14) and no bool (2.6.19).
 */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <asm/types.h>

#endif
