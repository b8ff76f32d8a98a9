/* asm/types.h - fixed-size integer types (x86). */
#ifndef _ASM_TYPES_H
#define _ASM_TYPES_H

typedef unsigned char		__u8;
typedef signed char		__s8;
typedef unsigned short		__u16;
typedef signed short		__s16;
typedef unsigned int		__u32;
typedef signed int		__s32;
typedef unsigned long long	__u64;
typedef signed long long	__s64;

typedef __u8 u8;
typedef __s8 s8;
typedef __u16 u16;
typedef __s16 s16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;

typedef unsigned long		size_t;
typedef long			ssize_t;
typedef long			loff_t;
typedef u64			sector_t;	/* CONFIG_LBD */
typedef u64			dma_addr_t;

#endif
