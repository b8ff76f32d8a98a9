/*
 * xenbus_probe.c - the xenbus device model for front ends.
 *
 * Every directory device/<type>/<id> in our xenstore area becomes a
 * struct xenbus_device on the "xen" bus; drivers bind by type.  A bound
 * device watches its back end's state node and forwards each change to
 * the driver's otherend_changed().
 */

#include <linux/version.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/device.h>
#include <xen/xenbus.h>
#include <xen/events.h>
#include <xen/hypervisor.h>

enum xenbus_state xenbus_read_driver_state(const char *path)
{
	enum xenbus_state state;

	if (xenbus_scanf(XBT_NIL, path, "state", "%d", (int *)&state) != 1)
		state = XenbusStateUnknown;
	return state;
}
EXPORT_SYMBOL_GPL(xenbus_read_driver_state);

int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state)
{
	int err;

	if (state == dev->state)
		return 0;
	err = xenbus_printf(XBT_NIL, dev->nodename, "state", "%d", state);
	if (err) {
		if (state != XenbusStateClosing)
			xenbus_dev_fatal(dev, err, "writing new state");
		return err;
	}
	dev->state = state;
	return 0;
}
EXPORT_SYMBOL_GPL(xenbus_switch_state);

static void xenbus_va_dev_error(struct xenbus_device *dev, int err,
				const char *fmt, va_list ap)
{
	char msg[128];
	int n;

	n = snprintf(msg, sizeof(msg), "%i ", -err);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	printk(KERN_WARNING "xenbus: %s: %s\n", dev->nodename, msg);
	xenbus_write(XBT_NIL, dev->nodename, "error", msg);
}

void xenbus_dev_error(struct xenbus_device *dev, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xenbus_va_dev_error(dev, err, fmt, ap);
	va_end(ap);
}
EXPORT_SYMBOL_GPL(xenbus_dev_error);

/* Report an error the device cannot recover from, and start closing. */
void xenbus_dev_fatal(struct xenbus_device *dev, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xenbus_va_dev_error(dev, err, fmt, ap);
	va_end(ap);
	xenbus_switch_state(dev, XenbusStateClosing);
}
EXPORT_SYMBOL_GPL(xenbus_dev_fatal);

int xenbus_grant_ring(struct xenbus_device *dev, unsigned long ring_mfn)
{
	int err = gnttab_grant_foreign_access(dev->otherend_id, ring_mfn, 0);

	if (err < 0)
		xenbus_dev_fatal(dev, err, "granting access to ring page");
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_grant_ring);

int xenbus_alloc_evtchn(struct xenbus_device *dev, int *port)
{
	struct evtchn_alloc_unbound op = {
		.dom		= DOMID_SELF,
		.remote_dom	= dev->otherend_id,
	};
	int err;

	err = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
	if (err)
		xenbus_dev_fatal(dev, err, "allocating event channel");
	else
		*port = op.port;
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_alloc_evtchn);

int xenbus_free_evtchn(struct xenbus_device *dev, int port)
{
	struct evtchn_port_op op = { .port = port };
	int err;

	err = HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
	if (err)
		xenbus_dev_error(dev, err, "freeing event channel %d", port);
	return err;
}
EXPORT_SYMBOL_GPL(xenbus_free_evtchn);

static void otherend_changed(struct xenbus_watch *watch,
			     const char **vec, unsigned int len)
{
	struct xenbus_device *dev =
		container_of(watch, struct xenbus_device, otherend_watch);
	struct xenbus_driver *drv;
	enum xenbus_state state;

	if (dev->dev.driver == NULL)
		return;
	drv = to_xenbus_driver(dev->dev.driver);
	state = xenbus_read_driver_state(dev->otherend);
	if (drv->otherend_changed != NULL)
		drv->otherend_changed(dev, state);
}

/* Find the back end from our "backend" and "backend-id" nodes. */
static int xenbus_read_otherend(struct xenbus_device *dev)
{
	char *path;
	int err;

	err = xenbus_gather(XBT_NIL, dev->nodename,
			    "backend-id", "%i", &dev->otherend_id,
			    "backend", NULL, &path,
			    NULL);
	if (err) {
		xenbus_dev_fatal(dev, err, "reading other end details");
		return err;
	}
	dev->otherend = path;
	return 0;
}

static int xenbus_dev_probe(struct device *_dev)
{
	struct xenbus_device *dev = to_xenbus_device(_dev);
	struct xenbus_driver *drv = to_xenbus_driver(_dev->driver);
	const struct xenbus_device_id *id;
	char *node;
	int err;

	for (id = drv->ids; id->devicetype[0] != '\0'; id++)
		if (strcmp(id->devicetype, dev->devicetype) == 0)
			break;
	if (id->devicetype[0] == '\0' || drv->probe == NULL)
		return -ENODEV;

	err = xenbus_read_otherend(dev);
	if (err)
		return err;
	err = drv->probe(dev, id);
	if (err)
		return err;

	node = kmalloc(strlen(dev->otherend) + sizeof("/state"), GFP_KERNEL);
	if (node == NULL)
		return -ENOMEM;
	sprintf(node, "%s/state", dev->otherend);
	dev->otherend_watch.node = node;
	dev->otherend_watch.callback = otherend_changed;
	err = register_xenbus_watch(&dev->otherend_watch);
	if (err) {
		xenbus_dev_fatal(dev, err, "watching %s", node);
		dev->otherend_watch.node = NULL;
		kfree(node);
	}
	return err;
}

static int xenbus_dev_remove(struct device *_dev)
{
	struct xenbus_device *dev = to_xenbus_device(_dev);
	struct xenbus_driver *drv = to_xenbus_driver(_dev->driver);

	if (dev->otherend_watch.node != NULL) {
		unregister_xenbus_watch(&dev->otherend_watch);
		kfree(dev->otherend_watch.node);
		dev->otherend_watch.node = NULL;
	}
	if (drv->remove != NULL)
		drv->remove(dev);
	xenbus_switch_state(dev, XenbusStateClosed);
	return 0;
}

static int xenbus_match(struct device *dev, struct device_driver *drv)
{
	const struct xenbus_device_id *id = to_xenbus_driver(drv)->ids;

	for (; id->devicetype[0] != '\0'; id++)
		if (strcmp(id->devicetype, to_xenbus_device(dev)->devicetype) == 0)
			return 1;
	return 0;
}

static int xenbus_uevent_frontend(struct device *dev,
				  struct kobj_uevent_env *env)
{
	struct xenbus_device *xdev = to_xenbus_device(dev);

	if (add_uevent_var(env, "XENBUS_TYPE=%s", xdev->devicetype) ||
	    add_uevent_var(env, "XENBUS_PATH=%s", xdev->nodename) ||
	    add_uevent_var(env, "MODALIAS=xen:%s", xdev->devicetype))
		return -ENOMEM;
	return 0;
}

static struct bus_type xenbus_frontend_bus = {
	.name		= "xen",
	.match		= xenbus_match,
	.uevent		= xenbus_uevent_frontend,
};

int xenbus_register_frontend(struct xenbus_driver *drv)
{
	drv->driver.name = drv->name;
	drv->driver.bus = &xenbus_frontend_bus;
	drv->driver.probe = xenbus_dev_probe;
	drv->driver.remove = xenbus_dev_remove;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(xenbus_register_frontend);

void xenbus_unregister_driver(struct xenbus_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(xenbus_unregister_driver);

static void xenbus_dev_release(struct device *dev)
{
	kfree(to_xenbus_device(dev));
}

/* Create the device for device/<type>/<name>; names live after the struct. */
static int xenbus_probe_node(const char *type, const char *name)
{
	struct xenbus_device *xendev;
	size_t nodelen = strlen("device/") + strlen(type) + strlen(name) + 2;
	char *tmp;
	int err;

	xendev = kzalloc(sizeof(*xendev) + nodelen + strlen(type) + 1,
			 GFP_KERNEL);
	if (xendev == NULL)
		return -ENOMEM;
	xendev->state = XenbusStateInitialising;

	tmp = (char *)(xendev + 1);
	snprintf(tmp, nodelen, "device/%s/%s", type, name);
	xendev->nodename = tmp;
	tmp += nodelen;
	strcpy(tmp, type);
	xendev->devicetype = tmp;

	xendev->dev.bus = &xenbus_frontend_bus;
	xendev->dev.release = xenbus_dev_release;
	snprintf(xendev->dev.bus_id, BUS_ID_SIZE, "%s-%s", type, name);

	err = device_register(&xendev->dev);
	if (err)
		kfree(xendev);
	return err;
}

void xenbus_probe_devices(void)
{
	char **types, **names;
	unsigned int ntypes, nnames, i, j;

	types = xenbus_directory(XBT_NIL, "device", "", &ntypes);
	if (IS_ERR(types))
		return;
	for (i = 0; i < ntypes; i++) {
		names = xenbus_directory(XBT_NIL, "device", types[i], &nnames);
		if (IS_ERR(names))
			continue;
		for (j = 0; j < nnames; j++)
			xenbus_probe_node(types[i], names[j]);
		kfree(names);
	}
	kfree(types);
}

int xenbus_probe_init(void)
{
	int err;

	err = bus_register(&xenbus_frontend_bus);
	if (err) {
		printk(KERN_WARNING "xenbus: bus_register failed: %d\n", err);
		return err;
	}
	xenbus_probe_devices();
	return 0;
}
