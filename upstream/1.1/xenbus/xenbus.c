/*
 * xenbus.c - requests to xenstore and watches on its nodes.
 *
 * xenstore is reached through one shared page holding two byte rings.
 * A request is a header plus NUL-separated strings; only one request
 * is outstanding at a time.  A reader thread takes every message off
 * the ring: replies wake the requester, watch events go to the watch
 * thread, which runs the callbacks one at a time.
 */

#include <linux/version.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/wait.h>
#include <linux/kthread.h>
#include <linux/interrupt.h>
#include <linux/mutex.h>
#include <xen/xenbus.h>
#include <xen/events.h>
#include <xen/page.h>

enum xsd_sockmsg_type {
	XS_DIRECTORY		= 1,
	XS_READ			= 2,
	XS_WATCH		= 4,
	XS_UNWATCH		= 5,
	XS_TRANSACTION_START	= 6,
	XS_TRANSACTION_END	= 7,
	XS_WRITE		= 11,
	XS_WATCH_EVENT		= 15,
	XS_ERROR		= 16,
};

struct xsd_sockmsg {
	u32 type;
	u32 req_id;
	u32 tx_id;
	u32 len;			/* bytes of payload that follow */
};

#define XENSTORE_RING_SIZE	1024
#define XENSTORE_PAYLOAD_MAX	4096
#define MASK_XENSTORE_IDX(idx)	((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE];
	char rsp[XENSTORE_RING_SIZE];
	u32 req_cons, req_prod;
	u32 rsp_cons, rsp_prod;
};

/* A message off the ring: a reply, or a watch event (path, token). */
struct xs_msg {
	struct list_head list;
	struct xsd_sockmsg hdr;
	char *body;
};

static struct xenstore_domain_interface *xs_intf;
static int xs_evtchn;
static DECLARE_WAIT_QUEUE_HEAD(xs_ring_waitq);

static DEFINE_MUTEX(xs_request_mutex);	/* one request in flight */
static DEFINE_MUTEX(xenwatch_mutex);	/* held while a callback runs */

static spinlock_t xs_lock;		/* replies, watches, watch_events */
static LIST_HEAD(replies);
static DECLARE_WAIT_QUEUE_HEAD(replies_waitq);
static LIST_HEAD(watches);
static LIST_HEAD(watch_events);
static DECLARE_WAIT_QUEUE_HEAD(watch_events_waitq);

static irqreturn_t xenbus_interrupt(int irq, void *unused)
{
	wake_up(&xs_ring_waitq);
	return IRQ_HANDLED;
}

static int xs_ring_sane(u32 cons, u32 prod)
{
	return prod - cons <= XENSTORE_RING_SIZE;
}

static int xs_write_ring(const void *data, unsigned int len)
{
	const char *p = data;
	u32 cons, prod, chunk;
	int err;

	while (len != 0) {
		err = wait_event_interruptible(xs_ring_waitq,
			xs_intf->req_prod - xs_intf->req_cons != XENSTORE_RING_SIZE);
		if (err)
			return err;
		cons = xs_intf->req_cons;
		prod = xs_intf->req_prod;
		mb();	/* read indices before writing data */
		if (!xs_ring_sane(cons, prod))
			return -EIO;
		chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
		chunk = min(chunk, XENSTORE_RING_SIZE - (prod - cons));
		chunk = min(chunk, len);
		memcpy(xs_intf->req + MASK_XENSTORE_IDX(prod), p, chunk);
		wmb();	/* data before the new producer index */
		xs_intf->req_prod += chunk;
		notify_remote_via_evtchn(xs_evtchn);
		p += chunk;
		len -= chunk;
	}
	return 0;
}

static int xs_read_ring(void *data, unsigned int len)
{
	char *p = data;
	u32 cons, prod, chunk;
	int err;

	while (len != 0) {
		err = wait_event_interruptible(xs_ring_waitq,
			xs_intf->rsp_cons != xs_intf->rsp_prod);
		if (err)
			return err;
		cons = xs_intf->rsp_cons;
		prod = xs_intf->rsp_prod;
		rmb();	/* indices before data */
		if (!xs_ring_sane(cons, prod))
			return -EIO;
		chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);
		chunk = min(chunk, prod - cons);
		chunk = min(chunk, len);
		memcpy(p, xs_intf->rsp + MASK_XENSTORE_IDX(cons), chunk);
		mb();	/* finish reading before freeing the space */
		xs_intf->rsp_cons += chunk;
		notify_remote_via_evtchn(xs_evtchn);
		p += chunk;
		len -= chunk;
	}
	return 0;
}

/* Reader thread: sort each incoming message into replies or events. */
static int xenbus_thread(void *unused)
{
	struct xs_msg *msg;

	while (!kthread_should_stop()) {
		msg = kmalloc(sizeof(*msg), GFP_KERNEL);
		if (msg == NULL || xs_read_ring(&msg->hdr, sizeof(msg->hdr)) ||
		    msg->hdr.len > XENSTORE_PAYLOAD_MAX) {
			kfree(msg);
			continue;
		}
		msg->body = kmalloc(msg->hdr.len + 1, GFP_KERNEL);
		if (msg->body == NULL || xs_read_ring(msg->body, msg->hdr.len)) {
			kfree(msg->body);
			kfree(msg);
			continue;
		}
		msg->body[msg->hdr.len] = '\0';

		spin_lock(&xs_lock);
		if (msg->hdr.type == XS_WATCH_EVENT) {
			list_add_tail(&msg->list, &watch_events);
			wake_up(&watch_events_waitq);
		} else {
			list_add_tail(&msg->list, &replies);
			wake_up(&replies_waitq);
		}
		spin_unlock(&xs_lock);
	}
	return 0;
}

static struct xenbus_watch *find_watch(const char *token)
{
	struct xenbus_watch *w;

	list_for_each_entry(w, &watches, list)
		if (simple_strtoul(token, NULL, 16) == (unsigned long)w)
			return w;
	return NULL;
}

/* Watch thread: callbacks may sleep and may issue requests. */
static int xenwatch_thread(void *unused)
{
	struct xenbus_watch *w;
	struct xs_msg *msg;
	const char *vec[2];

	while (!kthread_should_stop()) {
		wait_event_interruptible(watch_events_waitq,
					 !list_empty(&watch_events) ||
					 kthread_should_stop());
		mutex_lock(&xenwatch_mutex);
		spin_lock(&xs_lock);
		msg = NULL;
		w = NULL;
		if (!list_empty(&watch_events)) {
			msg = list_entry(watch_events.next, struct xs_msg, list);
			list_del(&msg->list);
			vec[0] = msg->body;		/* path, then token */
			vec[1] = msg->body + strlen(msg->body) + 1;
			w = find_watch(vec[1]);
		}
		spin_unlock(&xs_lock);
		if (w != NULL)
			w->callback(w, vec, 2);
		if (msg != NULL) {
			kfree(msg->body);
			kfree(msg);
		}
		mutex_unlock(&xenwatch_mutex);
	}
	return 0;
}

static int xs_error(const char *reply)
{
	static const struct { int err; const char *name; } errors[] = {
		{ EINVAL, "EINVAL" }, { EACCES, "EACCES" }, { EEXIST, "EEXIST" },
		{ ENOENT, "ENOENT" }, { EAGAIN, "EAGAIN" }, { ENOSPC, "ENOSPC" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(errors); i++)
		if (strcmp(reply, errors[i].name) == 0)
			return -errors[i].err;
	return -EIO;
}

/*
 * Send one request built from nvec strings (each sent with its NUL
 * except the last of a write) and wait for the reply.
 */
static void *xs_talkv(struct xenbus_transaction t, enum xsd_sockmsg_type type,
		      const char **vec, unsigned int *lens, unsigned int nvec,
		      unsigned int *len)
{
	struct xsd_sockmsg hdr = { .type = type, .tx_id = t.id };
	struct xs_msg *msg;
	unsigned int i;
	void *ret;
	int err;

	for (i = 0; i < nvec; i++)
		hdr.len += lens[i];

	mutex_lock(&xs_request_mutex);
	err = xs_write_ring(&hdr, sizeof(hdr));
	for (i = 0; i < nvec && !err; i++)
		err = xs_write_ring(vec[i], lens[i]);
	if (!err)
		err = wait_event_interruptible(replies_waitq,
					       !list_empty(&replies));
	if (err) {
		mutex_unlock(&xs_request_mutex);
		return ERR_PTR(err);
	}
	spin_lock(&xs_lock);
	msg = list_entry(replies.next, struct xs_msg, list);
	list_del(&msg->list);
	spin_unlock(&xs_lock);
	mutex_unlock(&xs_request_mutex);

	if (msg->hdr.type == XS_ERROR) {
		ret = ERR_PTR(xs_error(msg->body));
		kfree(msg->body);
	} else {
		ret = msg->body;
		if (len != NULL)
			*len = msg->hdr.len;
	}
	kfree(msg);
	return ret;
}

static void *xs_single(struct xenbus_transaction t, enum xsd_sockmsg_type type,
		       const char *arg, unsigned int *len)
{
	unsigned int n = strlen(arg) + 1;

	return xs_talkv(t, type, &arg, &n, 1, len);
}

/* "dir/node", or just dir when node is empty; caller frees it. */
static char *join(const char *dir, const char *node)
{
	size_t n = strlen(dir) + strlen(node) + 2;
	char *path = kmalloc(n, GFP_KERNEL);

	if (path == NULL)
		return ERR_PTR(-ENOMEM);
	if (node[0] == '\0')
		snprintf(path, n, "%s", dir);
	else
		snprintf(path, n, "%s/%s", dir, node);
	return path;
}

void *xenbus_read(struct xenbus_transaction t, const char *dir,
		  const char *node, unsigned int *len)
{
	char *path = join(dir, node);
	void *ret;

	if (IS_ERR(path))
		return path;
	ret = xs_single(t, XS_READ, path, len);
	kfree(path);
	return ret;
}
EXPORT_SYMBOL_GPL(xenbus_read);

int xenbus_write(struct xenbus_transaction t, const char *dir,
		 const char *node, const char *string)
{
	const char *vec[2];
	unsigned int lens[2];
	char *path = join(dir, node);
	void *ret;

	if (IS_ERR(path))
		return PTR_ERR(path);
	vec[0] = path;
	lens[0] = strlen(path) + 1;
	vec[1] = string;
	lens[1] = strlen(string);
	ret = xs_talkv(t, XS_WRITE, vec, lens, 2, NULL);
	kfree(path);
	if (IS_ERR(ret))
		return PTR_ERR(ret);
	kfree(ret);
	return 0;
}
EXPORT_SYMBOL_GPL(xenbus_write);

/* The reply is NUL-separated names; return them as a vector in one block. */
char **xenbus_directory(struct xenbus_transaction t, const char *dir,
			const char *node, unsigned int *num)
{
	char *strings, *p, **vec, *path = join(dir, node);
	unsigned int len, n = 0, i;

	if (IS_ERR(path))
		return (char **)path;
	strings = xs_single(t, XS_DIRECTORY, path, &len);
	kfree(path);
	if (IS_ERR(strings))
		return (char **)strings;

	for (p = strings; p < strings + len; p += strlen(p) + 1)
		n++;
	vec = kmalloc(n * sizeof(char *) + len, GFP_KERNEL);
	if (vec == NULL) {
		kfree(strings);
		return ERR_PTR(-ENOMEM);
	}
	memcpy(&vec[n], strings, len);
	kfree(strings);
	p = (char *)&vec[n];
	for (i = 0; i < n; i++, p += strlen(p) + 1)
		vec[i] = p;
	*num = n;
	return vec;
}
EXPORT_SYMBOL_GPL(xenbus_directory);

int xenbus_exists(struct xenbus_transaction t, const char *dir,
		  const char *node)
{
	void *value = xenbus_read(t, dir, node, NULL);

	if (IS_ERR(value))
		return 0;
	kfree(value);
	return 1;
}
EXPORT_SYMBOL_GPL(xenbus_exists);

int xenbus_transaction_start(struct xenbus_transaction *t)
{
	char *id_str = xs_single(XBT_NIL, XS_TRANSACTION_START, "", NULL);

	if (IS_ERR(id_str))
		return PTR_ERR(id_str);
	t->id = simple_strtoul(id_str, NULL, 0);
	kfree(id_str);
	return 0;
}
EXPORT_SYMBOL_GPL(xenbus_transaction_start);

int xenbus_transaction_end(struct xenbus_transaction t, int abort)
{
	void *ret = xs_single(t, XS_TRANSACTION_END, abort ? "F" : "T", NULL);

	if (IS_ERR(ret))
		return PTR_ERR(ret);
	kfree(ret);
	return 0;
}
EXPORT_SYMBOL_GPL(xenbus_transaction_end);

int xenbus_scanf(struct xenbus_transaction t, const char *dir,
		 const char *node, const char *fmt, ...)
{
	va_list ap;
	char *val;
	int ret;

	val = xenbus_read(t, dir, node, NULL);
	if (IS_ERR(val))
		return PTR_ERR(val);
	va_start(ap, fmt);
	ret = vsscanf(val, fmt, ap);
	va_end(ap);
	kfree(val);
	return ret == 0 ? -ERANGE : ret;
}
EXPORT_SYMBOL_GPL(xenbus_scanf);

int xenbus_printf(struct xenbus_transaction t, const char *dir,
		  const char *node, const char *fmt, ...)
{
	va_list ap;
	char *buf;
	int ret;

	buf = kmalloc(XENSTORE_PAYLOAD_MAX, GFP_KERNEL);
	if (buf == NULL)
		return -ENOMEM;
	va_start(ap, fmt);
	ret = vsnprintf(buf, XENSTORE_PAYLOAD_MAX, fmt, ap);
	va_end(ap);
	ret = ret >= XENSTORE_PAYLOAD_MAX ? -E2BIG : xenbus_write(t, dir, node, buf);
	kfree(buf);
	return ret;
}
EXPORT_SYMBOL_GPL(xenbus_printf);

int xenbus_gather(struct xenbus_transaction t, const char *dir, ...)
{
	const char *name, *fmt;
	va_list ap;
	void *result;
	char *p;
	int ret = 0;

	va_start(ap, dir);
	while (ret == 0 && (name = va_arg(ap, char *)) != NULL) {
		fmt = va_arg(ap, char *);
		result = va_arg(ap, void *);
		p = xenbus_read(t, dir, name, NULL);
		if (IS_ERR(p)) {
			ret = PTR_ERR(p);
			break;
		}
		if (fmt == NULL) {
			*(char **)result = p;
			continue;
		}
		if (sscanf(p, fmt, result) == 0)
			ret = -EINVAL;
		kfree(p);
	}
	va_end(ap);
	return ret;
}
EXPORT_SYMBOL_GPL(xenbus_gather);

static int xs_watch(enum xsd_sockmsg_type type, struct xenbus_watch *watch)
{
	char token[sizeof(watch) * 2 + 1];
	const char *vec[2] = { watch->node, token };
	unsigned int lens[2];
	void *ret;

	snprintf(token, sizeof(token), "%lX", (unsigned long)watch);
	lens[0] = strlen(vec[0]) + 1;
	lens[1] = strlen(vec[1]) + 1;
	ret = xs_talkv(XBT_NIL, type, vec, lens, 2, NULL);
	if (IS_ERR(ret))
		return PTR_ERR(ret);
	kfree(ret);
	return 0;
}

int register_xenbus_watch(struct xenbus_watch *watch)
{
	int err;

	spin_lock(&xs_lock);
	list_add(&watch->list, &watches);
	spin_unlock(&xs_lock);

	err = xs_watch(XS_WATCH, watch);
	if (err) {
		spin_lock(&xs_lock);
		list_del(&watch->list);
		spin_unlock(&xs_lock);
	}
	return err;
}
EXPORT_SYMBOL_GPL(register_xenbus_watch);

void unregister_xenbus_watch(struct xenbus_watch *watch)
{
	int err = xs_watch(XS_UNWATCH, watch);

	if (err)
		printk(KERN_WARNING "xenbus: failed to release watch %s: %d\n",
		       watch->node, err);
	spin_lock(&xs_lock);
	list_del(&watch->list);
	spin_unlock(&xs_lock);

	/* Wait for a callback that may still be running. */
	mutex_lock(&xenwatch_mutex);
	mutex_unlock(&xenwatch_mutex);
}
EXPORT_SYMBOL_GPL(unregister_xenbus_watch);

int xs_init(unsigned long store_mfn, int store_evtchn)
{
	struct task_struct *task;
	int err;

	spin_lock_init(&xs_lock);
	xs_intf = mfn_to_virt(store_mfn);
	xs_evtchn = store_evtchn;

	err = bind_evtchn_to_irqhandler(xs_evtchn, xenbus_interrupt, 0,
					"xenbus", &xs_ring_waitq);
	if (err < 0) {
		printk(KERN_ERR "xenbus: request irq failed %i\n", err);
		return err;
	}
	task = kthread_run(xenwatch_thread, NULL, "xenwatch");
	if (IS_ERR(task))
		return PTR_ERR(task);
	task = kthread_run(xenbus_thread, NULL, "xenbus");
	if (IS_ERR(task))
		return PTR_ERR(task);
	return 0;
}
