/* asm/errno.h - the error numbers the drivers return. */
#ifndef _ASM_ERRNO_H
#define _ASM_ERRNO_H

#define ENOENT		2
#define EIO		5
#define E2BIG		7
#define EAGAIN		11
#define ENOMEM		12
#define EACCES		13
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define ENOSPC		28
#define ERANGE		34
#define EOPNOTSUPP	95

#endif
