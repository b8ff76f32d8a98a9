/*
 * linux/device.h - 2.6.16: the driver model.  A bus fills uevent
 * variables into a caller's envp[] and buffer (the 2.6.16 hotplug ->
 * uevent rename; the env struct only comes in 2.6.24).
 */
#ifndef _LINUX_DEVICE_H
#define _LINUX_DEVICE_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/err.h>

#define BUS_ID_SIZE		20

struct module;
struct device;
struct device_driver;

int add_uevent_var(char **envp, int num_envp, int *cur_index,
		   char *buffer, int buffer_size, int *cur_len,
		   const char *format, ...)
	__attribute__((format(printf, 7, 8)));

struct bus_type {
	const char *name;
	int (*match)(struct device *dev, struct device_driver *drv);
	int (*uevent)(struct device *dev, char **envp, int num_envp,
		      char *buffer, int buffer_size);
	int (*probe)(struct device *dev);
	int (*remove)(struct device *dev);
};

struct device_driver {
	const char *name;
	struct bus_type *bus;
	struct module *owner;
	int (*probe)(struct device *dev);
	int (*remove)(struct device *dev);
};

struct device {
	struct device *parent;
	char bus_id[BUS_ID_SIZE];
	struct bus_type *bus;
	struct device_driver *driver;
	void *driver_data;
	void (*release)(struct device *dev);
};

int bus_register(struct bus_type *bus);
void bus_unregister(struct bus_type *bus);
int driver_register(struct device_driver *drv);
void driver_unregister(struct device_driver *drv);
int device_register(struct device *dev);
void device_unregister(struct device *dev);

#endif
