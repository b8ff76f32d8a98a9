/*
 * netfront.c - virtual network interface front end.
 *
 * Transmit: each linear skb is granted to the back end and described by
 * one tx request; the response lets us free it.  Receive: we post
 * buffers on the rx ring, the back end copies packets into them, and
 * the poll routine hands them to the stack.
 */

#include <linux/version.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/interrupt.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>
#include <xen/xenbus.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/netif.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Xen virtual network interface front end");

#define NET_TX_RING_SIZE	__CONST_RING_SIZE(xen_netif_tx, PAGE_SIZE)
#define NET_RX_RING_SIZE	__CONST_RING_SIZE(xen_netif_rx, PAGE_SIZE)
#define RX_HEADROOM		16
#define RX_BUF_SIZE		(PAGE_SIZE / 2 - RX_HEADROOM)
#define TX_ID_NONE		0xffff

struct netfront_info {
	struct net_device *netdev;
	struct napi_struct napi;
	struct net_device_stats stats;
	struct xenbus_device *xbdev;
	unsigned int evtchn, irq;

	spinlock_t tx_lock;
	struct xen_netif_tx_front_ring tx;
	int tx_ring_ref;
	struct sk_buff *tx_skbs[NET_TX_RING_SIZE];
	grant_ref_t tx_grefs[NET_TX_RING_SIZE];
	u16 tx_next_free[NET_TX_RING_SIZE];
	u16 tx_free;
	grant_ref_t gref_tx_head;

	spinlock_t rx_lock;
	struct xen_netif_rx_front_ring rx;
	int rx_ring_ref;
	struct sk_buff *rx_skbs[NET_RX_RING_SIZE];
	grant_ref_t rx_grefs[NET_RX_RING_SIZE];
	grant_ref_t gref_rx_head;
	struct timer_list rx_refill_timer;
};

static struct sk_buff *xennet_alloc_rx_skb(struct net_device *dev, gfp_t gfp)
{
	struct sk_buff *skb;

	skb = __netdev_alloc_skb(dev, RX_BUF_SIZE + RX_HEADROOM, gfp);
	if (skb != NULL)
		skb_reserve(skb, RX_HEADROOM);
	return skb;
}

/* Fill every empty rx slot with a fresh buffer granted to the back end. */
static void xennet_alloc_rx_buffers(struct net_device *dev)
{
	struct netfront_info *np = netdev_priv(dev);
	struct xen_netif_rx_request *req;
	struct sk_buff *skb;
	RING_IDX prod = np->rx.req_prod_pvt;
	int notify, ref;
	u16 id;

	if (unlikely(!netif_carrier_ok(dev)))
		return;

	while (prod - np->rx.rsp_cons < NET_RX_RING_SIZE) {
		skb = xennet_alloc_rx_skb(dev, GFP_ATOMIC);
		if (skb == NULL) {
			/* Try again shortly; memory may come back. */
			mod_timer(&np->rx_refill_timer, jiffies + HZ / 10);
			break;
		}
		id = prod & (NET_RX_RING_SIZE - 1);
		ref = gnttab_claim_grant_reference(&np->gref_rx_head);
		BUG_ON(ref < 0);
		gnttab_grant_foreign_access_ref(ref, np->xbdev->otherend_id,
						virt_to_mfn(skb->data), 0);
		np->rx_skbs[id] = skb;
		np->rx_grefs[id] = ref;

		req = RING_GET_REQUEST(&np->rx, prod);
		req->id = id;
		req->gref = ref;
		prod++;
	}
	np->rx.req_prod_pvt = prod;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&np->rx, notify);
	if (notify)
		notify_remote_via_irq(np->irq);
}

static void xennet_rx_refill_timeout(unsigned long data)
{
	struct net_device *dev = (struct net_device *)data;
	struct netfront_info *np = netdev_priv(dev);

	/* Let the poll routine refill the ring. */
	if (netif_carrier_ok(dev) && np->rx.sring != NULL)
		netif_rx_schedule(dev, &np->napi);
}

/* Reap transmit responses: free the skbs and their grants. */
static void xennet_tx_gc(struct net_device *dev)
{
	struct netfront_info *np = netdev_priv(dev);
	struct xen_netif_tx_response *txrsp;
	RING_IDX cons, prod;
	u16 id;
	int more;

	do {
		prod = np->tx.sring->rsp_prod;
		rmb();	/* responses up to prod are valid */
		for (cons = np->tx.rsp_cons; cons != prod; cons++) {
			txrsp = RING_GET_RESPONSE(&np->tx, cons);
			id = txrsp->id;
			if (txrsp->status == NETIF_RSP_ERROR)
				np->stats.tx_errors++;
			gnttab_end_foreign_access_ref(np->tx_grefs[id], 1);
			gnttab_release_grant_reference(&np->gref_tx_head,
						       np->tx_grefs[id]);
			dev_kfree_skb_irq(np->tx_skbs[id]);
			np->tx_skbs[id] = NULL;
			np->tx_next_free[id] = np->tx_free;
			np->tx_free = id;
		}
		np->tx.rsp_cons = prod;
		RING_FINAL_CHECK_FOR_RESPONSES(&np->tx, more);
	} while (more);

	if (unlikely(netif_queue_stopped(dev)) && !RING_FULL(&np->tx) &&
	    netif_running(dev))
		netif_wake_queue(dev);
}

static irqreturn_t xennet_interrupt(int irq, void *dev_id)
{
	struct net_device *dev = dev_id;
	struct netfront_info *np = netdev_priv(dev);
	unsigned long flags;

	spin_lock_irqsave(&np->tx_lock, flags);
	if (likely(netif_carrier_ok(dev))) {
		xennet_tx_gc(dev);
		if (RING_HAS_UNCONSUMED_RESPONSES(&np->rx))
			netif_rx_schedule(dev, &np->napi);
	}
	spin_unlock_irqrestore(&np->tx_lock, flags);
	return IRQ_HANDLED;
}

/* Hand one received buffer to the stack; false if it was an error. */
static bool xennet_rx_one(struct net_device *dev,
			  struct xen_netif_rx_response *rx)
{
	struct netfront_info *np = netdev_priv(dev);
	struct sk_buff *skb = np->rx_skbs[rx->id];

	np->rx_skbs[rx->id] = NULL;
	gnttab_end_foreign_access_ref(np->rx_grefs[rx->id], 0);
	gnttab_release_grant_reference(&np->gref_rx_head, np->rx_grefs[rx->id]);

	if (unlikely(rx->status <= 0 || rx->offset + rx->status > RX_BUF_SIZE)) {
		np->stats.rx_errors++;
		dev_kfree_skb(skb);
		return false;
	}
	skb_reserve(skb, rx->offset);
	skb_put(skb, rx->status);
	if (rx->flags & NETRXF_data_validated)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->protocol = eth_type_trans(skb, dev);

	np->stats.rx_packets++;
	np->stats.rx_bytes += skb->len;
	netif_receive_skb(skb);
	return true;
}

static int xennet_poll(struct napi_struct *napi, int budget)
{
	struct netfront_info *np = container_of(napi, struct netfront_info, napi);
	struct net_device *dev = np->netdev;
	struct xen_netif_rx_response *rx;
	RING_IDX cons, prod;
	unsigned long flags;
	int work_done = 0, more = 0;

	spin_lock(&np->rx_lock);
	prod = np->rx.sring->rsp_prod;
	rmb();	/* responses up to prod are valid */
	for (cons = np->rx.rsp_cons; cons != prod && work_done < budget; cons++) {
		rx = RING_GET_RESPONSE(&np->rx, cons);
		if (xennet_rx_one(dev, rx))
			work_done++;
	}
	np->rx.rsp_cons = cons;
	xennet_alloc_rx_buffers(dev);

	if (work_done < budget) {
		local_irq_save(flags);
		RING_FINAL_CHECK_FOR_RESPONSES(&np->rx, more);
		if (!more)
			__netif_rx_complete(dev, napi);
		local_irq_restore(flags);
	}
	spin_unlock(&np->rx_lock);
	return work_done;
}

static int xennet_open(struct net_device *dev)
{
	struct netfront_info *np = netdev_priv(dev);

	napi_enable(&np->napi);

	spin_lock_bh(&np->rx_lock);
	if (netif_carrier_ok(dev)) {
		xennet_alloc_rx_buffers(dev);
		np->rx.sring->rsp_event = np->rx.rsp_cons + 1;
		if (RING_HAS_UNCONSUMED_RESPONSES(&np->rx))
			netif_rx_schedule(dev, &np->napi);
	}
	spin_unlock_bh(&np->rx_lock);

	netif_start_queue(dev);
	return 0;
}

static int xennet_close(struct net_device *dev)
{
	struct netfront_info *np = netdev_priv(dev);

	netif_stop_queue(dev);
	napi_disable(&np->napi);
	del_timer_sync(&np->rx_refill_timer);
	return 0;
}

static int xennet_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct netfront_info *np = netdev_priv(dev);
	struct xen_netif_tx_request *tx;
	unsigned long offset = offset_in_page(skb->data);
	int notify, ref;
	u16 id;

	/* Without scatter-gather every skb is linear; it must fit a page. */
	if (unlikely(offset + skb->len > PAGE_SIZE)) {
		np->stats.tx_dropped++;
		dev_kfree_skb(skb);
		return 0;
	}

	spin_lock_irq(&np->tx_lock);
	if (unlikely(!netif_carrier_ok(dev) || np->tx_free == TX_ID_NONE)) {
		spin_unlock_irq(&np->tx_lock);
		netif_stop_queue(dev);
		return 1;	/* requeue */
	}

	id = np->tx_free;
	np->tx_free = np->tx_next_free[id];
	np->tx_skbs[id] = skb;

	ref = gnttab_claim_grant_reference(&np->gref_tx_head);
	BUG_ON(ref < 0);
	gnttab_grant_foreign_access_ref(ref, np->xbdev->otherend_id,
					virt_to_mfn(skb->data), 1);
	np->tx_grefs[id] = ref;

	tx = RING_GET_REQUEST(&np->tx, np->tx.req_prod_pvt);
	tx->id = id;
	tx->gref = ref;
	tx->offset = offset;
	tx->size = skb->len;
	tx->flags = 0;
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		tx->flags |= NETTXF_csum_blank | NETTXF_data_validated;
	else if (skb->ip_summed == CHECKSUM_UNNECESSARY)
		tx->flags |= NETTXF_data_validated;
	np->tx.req_prod_pvt++;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&np->tx, notify);
	if (notify)
		notify_remote_via_irq(np->irq);

	np->stats.tx_bytes += skb->len;
	np->stats.tx_packets++;
	dev->trans_start = jiffies;

	xennet_tx_gc(dev);
	if (RING_FULL(&np->tx))
		netif_stop_queue(dev);
	spin_unlock_irq(&np->tx_lock);
	return 0;
}

static struct net_device_stats *xennet_get_stats(struct net_device *dev)
{
	struct netfront_info *np = netdev_priv(dev);

	return &np->stats;
}

static int xennet_change_mtu(struct net_device *dev, int mtu)
{
	if (mtu < 68 || mtu > ETH_DATA_LEN)
		return -EINVAL;
	dev->mtu = mtu;
	return 0;
}

static struct net_device *xennet_create_dev(struct xenbus_device *xbdev)
{
	struct net_device *netdev;
	struct netfront_info *np;
	int i, err;

	netdev = alloc_etherdev(sizeof(struct netfront_info));
	if (netdev == NULL) {
		printk(KERN_WARNING "netfront: could not allocate a net_device\n");
		return ERR_PTR(-ENOMEM);
	}
	np = netdev_priv(netdev);
	np->netdev = netdev;
	np->xbdev = xbdev;
	spin_lock_init(&np->tx_lock);
	spin_lock_init(&np->rx_lock);
	setup_timer(&np->rx_refill_timer, xennet_rx_refill_timeout,
		    (unsigned long)netdev);

	/* Thread every tx id on the free list. */
	for (i = 0; i < NET_TX_RING_SIZE; i++)
		np->tx_next_free[i] = i + 1;
	np->tx_next_free[NET_TX_RING_SIZE - 1] = TX_ID_NONE;
	np->tx_free = 0;

	err = -ENOMEM;
	if (gnttab_alloc_grant_references(NET_TX_RING_SIZE,
					  &np->gref_tx_head) < 0)
		goto fail;
	if (gnttab_alloc_grant_references(NET_RX_RING_SIZE,
					  &np->gref_rx_head) < 0)
		goto fail_tx;

	netif_napi_add(netdev, &np->napi, xennet_poll, 64);
	netdev->open		= xennet_open;
	netdev->stop		= xennet_close;
	netdev->hard_start_xmit	= xennet_start_xmit;
	netdev->get_stats	= xennet_get_stats;
	netdev->change_mtu	= xennet_change_mtu;
	netdev->features	= NETIF_F_IP_CSUM;
	SET_NETDEV_DEV(netdev, &xbdev->dev);

	netif_carrier_off(netdev);
	return netdev;

fail_tx:
	gnttab_free_grant_references(np->gref_tx_head);
fail:
	free_netdev(netdev);
	return ERR_PTR(err);
}

/* The toolstack writes our MAC address as "xx:xx:xx:xx:xx:xx". */
static int xennet_read_mac(struct xenbus_device *dev, u8 mac[ETH_ALEN])
{
	char *s, *e, *macstr;
	int i;

	macstr = s = xenbus_read(XBT_NIL, dev->nodename, "mac", NULL);
	if (IS_ERR(macstr))
		return PTR_ERR(macstr);
	for (i = 0; i < ETH_ALEN; i++) {
		mac[i] = simple_strtoul(s, &e, 16);
		if (s == e || (*e != ':' && *e != '\0')) {
			kfree(macstr);
			return -ENOENT;
		}
		s = e + 1;
	}
	kfree(macstr);
	return 0;
}

static int xennet_setup_rings(struct xenbus_device *dev,
			      struct netfront_info *np)
{
	struct xen_netif_tx_sring *txs;
	struct xen_netif_rx_sring *rxs;
	int err, port;

	np->tx_ring_ref = np->rx_ring_ref = GRANT_INVALID_REF;
	txs = (struct xen_netif_tx_sring *)get_zeroed_page(GFP_NOIO | __GFP_HIGH);
	rxs = (struct xen_netif_rx_sring *)get_zeroed_page(GFP_NOIO | __GFP_HIGH);
	if (txs == NULL || rxs == NULL) {
		err = -ENOMEM;
		xenbus_dev_fatal(dev, err, "allocating shared rings");
		goto fail;
	}
	SHARED_RING_INIT(txs);
	FRONT_RING_INIT(&np->tx, txs, PAGE_SIZE);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&np->rx, rxs, PAGE_SIZE);

	err = xenbus_grant_ring(dev, virt_to_mfn(txs));
	if (err < 0)
		goto fail;
	np->tx_ring_ref = err;
	err = xenbus_grant_ring(dev, virt_to_mfn(rxs));
	if (err < 0)
		goto fail;
	np->rx_ring_ref = err;

	err = xenbus_alloc_evtchn(dev, &port);
	if (err)
		goto fail;
	np->evtchn = port;
	err = bind_evtchn_to_irqhandler(np->evtchn, xennet_interrupt, 0,
					np->netdev->name, np->netdev);
	if (err < 0)
		goto fail;
	np->irq = err;
	return 0;

fail:
	/* Pages already granted are reclaimed by the remove path. */
	if (np->tx_ring_ref == GRANT_INVALID_REF && txs != NULL)
		free_page((unsigned long)txs);
	if (np->rx_ring_ref == GRANT_INVALID_REF && rxs != NULL)
		free_page((unsigned long)rxs);
	return err;
}

static int xennet_talk_to_backend(struct xenbus_device *dev,
				  struct netfront_info *np)
{
	struct xenbus_transaction xbt;
	int err;

	err = xennet_read_mac(dev, np->netdev->dev_addr);
	if (err) {
		xenbus_dev_fatal(dev, err, "parsing %s/mac", dev->nodename);
		return err;
	}
	err = xennet_setup_rings(dev, np);
	if (err)
		return err;
again:
	err = xenbus_transaction_start(&xbt);
	if (err) {
		xenbus_dev_fatal(dev, err, "starting transaction");
		return err;
	}
	err = xenbus_printf(xbt, dev->nodename, "tx-ring-ref", "%u", np->tx_ring_ref);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "rx-ring-ref", "%u",
				    np->rx_ring_ref);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "event-channel", "%u",
				    np->evtchn);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "request-rx-copy", "%u", 1);
	if (err) {
		xenbus_transaction_end(xbt, 1);
		xenbus_dev_fatal(dev, err, "writing ring references");
		return err;
	}
	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	if (err == 0)
		xenbus_switch_state(dev, XenbusStateInitialised);
	return err;
}

static int xennet_probe(struct xenbus_device *dev,
			const struct xenbus_device_id *id)
{
	struct net_device *netdev;
	struct netfront_info *np;
	int err;

	netdev = xennet_create_dev(dev);
	if (IS_ERR(netdev)) {
		err = PTR_ERR(netdev);
		xenbus_dev_fatal(dev, err, "creating netdev");
		return err;
	}
	np = netdev_priv(netdev);
	dev->dev.driver_data = np;

	err = register_netdev(netdev);
	if (err) {
		printk(KERN_WARNING "netfront: register_netdev failed: %d\n", err);
		goto fail;
	}
	err = xennet_talk_to_backend(dev, np);
	if (err) {
		unregister_netdev(netdev);
		goto fail;
	}
	return 0;

fail:
	free_netdev(netdev);
	dev->dev.driver_data = NULL;
	return err;
}

static void xennet_connect(struct netfront_info *np)
{
	struct net_device *dev = np->netdev;

	spin_lock_bh(&np->rx_lock);
	spin_lock_irq(&np->tx_lock);
	netif_carrier_on(dev);
	xennet_alloc_rx_buffers(dev);
	notify_remote_via_irq(np->irq);
	xennet_tx_gc(dev);
	spin_unlock_irq(&np->tx_lock);
	spin_unlock_bh(&np->rx_lock);
}

static void xennet_backend_changed(struct xenbus_device *dev,
				   enum xenbus_state backend_state)
{
	struct netfront_info *np = dev->dev.driver_data;

	switch (backend_state) {
	case XenbusStateConnected:
		if (dev->state == XenbusStateConnected)
			break;
		xennet_connect(np);
		xenbus_switch_state(dev, XenbusStateConnected);
		break;
	case XenbusStateClosing:
		xenbus_switch_state(dev, XenbusStateClosed);
		break;
	default:
		break;
	}
}

static int xennet_remove(struct xenbus_device *dev)
{
	struct netfront_info *np = dev->dev.driver_data;

	unregister_netdev(np->netdev);
	del_timer_sync(&np->rx_refill_timer);
	if (np->irq)
		unbind_from_irqhandler(np->irq, np->netdev);
	if (np->tx_ring_ref != GRANT_INVALID_REF)
		gnttab_end_foreign_access(np->tx_ring_ref, 0,
					  (unsigned long)np->tx.sring);
	if (np->rx_ring_ref != GRANT_INVALID_REF)
		gnttab_end_foreign_access(np->rx_ring_ref, 0,
					  (unsigned long)np->rx.sring);
	gnttab_free_grant_references(np->gref_tx_head);
	gnttab_free_grant_references(np->gref_rx_head);
	free_netdev(np->netdev);
	return 0;
}

static const struct xenbus_device_id xennet_ids[] = {
	{ "vif" },
	{ "" }
};

static struct xenbus_driver xennet_driver = {
	.name			= "vif",
	.owner			= THIS_MODULE,
	.ids			= xennet_ids,
	.probe			= xennet_probe,
	.remove			= xennet_remove,
	.otherend_changed	= xennet_backend_changed,
};

static int __init xennet_init(void)
{
	printk(KERN_INFO "Initialising Xen virtual ethernet driver.\n");
	return xenbus_register_frontend(&xennet_driver);
}
module_init(xennet_init);

static void __exit xennet_exit(void)
{
	xenbus_unregister_driver(&xennet_driver);
}
module_exit(xennet_exit);
