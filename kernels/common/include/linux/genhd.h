/* linux/genhd.h - struct gendisk, a disk and its partitions. */
#ifndef _LINUX_GENHD_H
#define _LINUX_GENHD_H

#include <linux/types.h>
#include <linux/fs.h>

struct request_queue;
struct device;

#define GENHD_FL_REMOVABLE	1
#define GENHD_FL_CD		8

struct gendisk {
	int major;
	int first_minor;
	int minors;
	char disk_name[32];
	struct block_device_operations *fops;
	struct request_queue *queue;
	void *private_data;
	int flags;
	struct device *driverfs_dev;
};

struct gendisk *alloc_disk(int minors);
void add_disk(struct gendisk *disk);
void del_gendisk(struct gendisk *disk);
void put_disk(struct gendisk *disk);
void set_disk_ro(struct gendisk *disk, int flag);
void set_capacity(struct gendisk *disk, sector_t size);
sector_t get_capacity(struct gendisk *disk);

#endif
