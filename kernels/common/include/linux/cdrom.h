/* linux/cdrom.h - CD-ROM ioctls. */
#ifndef _LINUX_CDROM_H
#define _LINUX_CDROM_H

#define CDROMMULTISESSION	0x5310
#define CDROM_GET_CAPABILITY	0x5331

#endif
