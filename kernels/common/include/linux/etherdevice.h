/* linux/etherdevice.h - Ethernet net_device helpers. */
#ifndef _LINUX_ETHERDEVICE_H
#define _LINUX_ETHERDEVICE_H

#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

struct net_device *alloc_etherdev(int sizeof_priv);
unsigned short eth_type_trans(struct sk_buff *skb, struct net_device *dev);

#endif
