/* linux/fs.h - the parts of the VFS a block driver sees. */
#ifndef _LINUX_FS_H
#define _LINUX_FS_H

#include <linux/types.h>

struct module;
struct file;
struct gendisk;

struct block_device {
	struct gendisk *bd_disk;
};

struct inode {
	unsigned long i_ino;
	struct block_device *i_bdev;
};

struct block_device_operations {
	int (*open)(struct inode *, struct file *);
	int (*release)(struct inode *, struct file *);
	int (*ioctl)(struct inode *, struct file *, unsigned, unsigned long);
	int (*media_changed)(struct gendisk *);
	int (*revalidate_disk)(struct gendisk *);
	struct module *owner;
};

int register_blkdev(unsigned int major, const char *name);
int unregister_blkdev(unsigned int major, const char *name);

#endif
