/*
 * linux/device.h - 2.6.27: the driver model.  A bus adds uevent
 * variables through a struct kobj_uevent_env (2.6.24).
 */
#ifndef _LINUX_DEVICE_H
#define _LINUX_DEVICE_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/err.h>

#define BUS_ID_SIZE		20
#define UEVENT_NUM_ENVP		32
#define UEVENT_BUFFER_SIZE	2048

struct module;
struct device;
struct device_driver;

struct kobj_uevent_env {
	char *envp[UEVENT_NUM_ENVP];
	int envp_idx;
	char buf[UEVENT_BUFFER_SIZE];
	int buflen;
};

int add_uevent_var(struct kobj_uevent_env *env, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

struct bus_type {
	const char *name;
	int (*match)(struct device *dev, struct device_driver *drv);
	int (*uevent)(struct device *dev, struct kobj_uevent_env *env);
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
