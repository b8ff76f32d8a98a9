/*
 * xenbus.h - the bus on which Xen virtual devices appear.
 *
 * Devices are nodes in xenstore, a small hierarchical database shared
 * with the control domain.  A front end and its back end each own a
 * directory there and follow each other's "state" node.
 */
#ifndef __XEN_XENBUS_H__
#define __XEN_XENBUS_H__

#include <linux/version.h>
#include <linux/types.h>
#include <linux/list.h>
#include <linux/device.h>
#include <linux/module.h>
#include <xen/grant_table.h>

/* The states of the XenStore "state" node that front and back end share. */
enum xenbus_state {
	XenbusStateUnknown	= 0,
	XenbusStateInitialising	= 1,
	XenbusStateInitWait	= 2,	/* back end waits for front-end details */
	XenbusStateInitialised	= 3,
	XenbusStateConnected	= 4,
	XenbusStateClosing	= 5,
	XenbusStateClosed	= 6,
};

static inline bool xenbus_state_is_closing(enum xenbus_state state)
{
	return state == XenbusStateClosing || state == XenbusStateClosed;
}

struct xenbus_watch {
	struct list_head list;
	const char *node;		/* path being watched */
	void (*callback)(struct xenbus_watch *watch,
			 const char **vec, unsigned int len);
};

struct xenbus_device {
	const char *devicetype;
	const char *nodename;
	const char *otherend;
	int otherend_id;
	struct xenbus_watch otherend_watch;
	struct device dev;
	enum xenbus_state state;
};

static inline struct xenbus_device *to_xenbus_device(struct device *dev)
{
	return container_of(dev, struct xenbus_device, dev);
}

struct xenbus_device_id {
	char devicetype[32];		/* e.g. "vbd" or "vif" */
};

struct xenbus_driver {
	const char *name;
	struct module *owner;
	const struct xenbus_device_id *ids;
	int (*probe)(struct xenbus_device *dev,
		     const struct xenbus_device_id *id);
	void (*otherend_changed)(struct xenbus_device *dev,
				 enum xenbus_state backend_state);
	int (*remove)(struct xenbus_device *dev);
	int (*resume)(struct xenbus_device *dev);
	struct device_driver driver;
};

static inline struct xenbus_driver *to_xenbus_driver(struct device_driver *drv)
{
	return container_of(drv, struct xenbus_driver, driver);
}

int xenbus_register_frontend(struct xenbus_driver *drv);
void xenbus_unregister_driver(struct xenbus_driver *drv);

struct xenbus_transaction {
	u32 id;
};
#define XBT_NIL ((struct xenbus_transaction) { 0 })

char **xenbus_directory(struct xenbus_transaction t, const char *dir,
			const char *node, unsigned int *num);
void *xenbus_read(struct xenbus_transaction t, const char *dir,
		  const char *node, unsigned int *len);
int xenbus_write(struct xenbus_transaction t, const char *dir,
		 const char *node, const char *string);
int xenbus_exists(struct xenbus_transaction t, const char *dir,
		  const char *node);
int xenbus_transaction_start(struct xenbus_transaction *t);
int xenbus_transaction_end(struct xenbus_transaction t, int abort);

int xenbus_printf(struct xenbus_transaction t, const char *dir,
		  const char *node, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int xenbus_scanf(struct xenbus_transaction t, const char *dir,
		 const char *node, const char *fmt, ...)
	__attribute__((format(scanf, 4, 5)));
/* Pairs of (name, scanf format or NULL for a string, result), then NULL. */
int xenbus_gather(struct xenbus_transaction t, const char *dir, ...);

int register_xenbus_watch(struct xenbus_watch *watch);
void unregister_xenbus_watch(struct xenbus_watch *watch);

int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state);
int xenbus_grant_ring(struct xenbus_device *dev, unsigned long ring_mfn);
int xenbus_alloc_evtchn(struct xenbus_device *dev, int *port);
int xenbus_free_evtchn(struct xenbus_device *dev, int port);
enum xenbus_state xenbus_read_driver_state(const char *path);

void xenbus_dev_error(struct xenbus_device *dev, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xenbus_dev_fatal(struct xenbus_device *dev, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set up by the platform device once xenstore is reachable. */
int xs_init(unsigned long store_mfn, int store_evtchn);
int xenbus_probe_init(void);
void xenbus_probe_devices(void);

#endif /* __XEN_XENBUS_H__ */
