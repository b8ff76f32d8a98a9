/*
 * events.h - event channels: the virtual interrupt lines between domains.
 */
#ifndef __XEN_EVENTS_H__
#define __XEN_EVENTS_H__

#include <linux/interrupt.h>

/* Bind a local port to a fresh dynamic irq and install the handler. */
int bind_evtchn_to_irqhandler(unsigned int evtchn, irq_handler_t handler,
			      unsigned long irqflags, const char *devname,
			      void *dev_id);
void unbind_from_irqhandler(unsigned int irq, void *dev_id);

void notify_remote_via_irq(int irq);
void notify_remote_via_evtchn(int port);

/* The platform device delivers all event channels through one PCI irq. */
void xen_evtchn_do_upcall(void);

#endif /* __XEN_EVENTS_H__ */
