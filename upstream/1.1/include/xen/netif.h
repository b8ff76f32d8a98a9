/*
 * netif.h - the network device protocol between netfront and netback.
 */
#ifndef __XEN_NETIF_H__
#define __XEN_NETIF_H__

#include <linux/types.h>
#include <xen/ring.h>
#include <xen/grant_table.h>

/* Transmit flags. */
#define NETTXF_csum_blank	(1U << 0)	/* checksum still to be filled in */
#define NETTXF_data_validated	(1U << 1)	/* checksum known to be good */
#define NETTXF_more_data	(1U << 2)	/* more fragments follow */

struct xen_netif_tx_request {
	grant_ref_t gref;
	u16 offset;
	u16 flags;
	u16 id;
	u16 size;
};

struct xen_netif_tx_response {
	u16 id;
	s16 status;
};

struct xen_netif_rx_request {
	u16 id;
	grant_ref_t gref;
};

/* Receive flags. */
#define NETRXF_data_validated	(1U << 0)
#define NETRXF_csum_blank	(1U << 1)
#define NETRXF_more_data	(1U << 2)

struct xen_netif_rx_response {
	u16 id;
	u16 offset;
	u16 flags;
	s16 status;			/* length, or a negative error */
};

#define NETIF_RSP_ERROR		-1
#define NETIF_RSP_OKAY		0

DEFINE_XEN_RING(xen_netif_tx, struct xen_netif_tx_request,
		struct xen_netif_tx_response);
DEFINE_XEN_RING(xen_netif_rx, struct xen_netif_rx_request,
		struct xen_netif_rx_response);

#endif /* __XEN_NETIF_H__ */
