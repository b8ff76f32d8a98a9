/*
 * hypervisor.h - the few hypercalls the PV-on-HVM drivers make.
 */
#ifndef __XEN_HYPERVISOR_H__
#define __XEN_HYPERVISOR_H__

#include <linux/types.h>
#include <xen/grant_table.h>

#define DOMID_SELF		((domid_t)0x7ff0U)

/* Event channel operations. */
#define EVTCHNOP_send		4
#define EVTCHNOP_alloc_unbound	6
#define EVTCHNOP_close		3

struct evtchn_alloc_unbound {
	domid_t dom, remote_dom;
	u32 port;			/* out */
};

struct evtchn_port_op {
	u32 port;
};

/* HVM parameters. */
#define HVMOP_set_param		0
#define HVMOP_get_param		1
#define HVM_PARAM_CALLBACK_IRQ	0
#define HVM_PARAM_STORE_PFN	1
#define HVM_PARAM_STORE_EVTCHN	2

/* Callback via: bits 63:56 say how, the rest says where. */
#define HVM_CALLBACK_GSI(gsi)	((u64)(gsi))

struct xen_hvm_param {
	domid_t domid;
	u32 index;
	u64 value;
};

int HYPERVISOR_event_channel_op(int cmd, void *arg);
int HYPERVISOR_hvm_op(int op, void *arg);

#endif /* __XEN_HYPERVISOR_H__ */
