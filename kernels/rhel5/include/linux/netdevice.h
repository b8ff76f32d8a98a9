/*
 * linux/netdevice.h - 2.6.18: network devices.  NAPI polling is a
 * per-device dev->poll(dev, &budget) with dev->weight and dev->quota
 * (struct napi_struct only comes in 2.6.24).
 */
#ifndef _LINUX_NETDEVICE_H
#define _LINUX_NETDEVICE_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/device.h>
#include <linux/if_ether.h>

struct sk_buff;
struct net_device;

#define IFNAMSIZ		16
#define MAX_ADDR_LEN		32

#define NETIF_F_SG		1
#define NETIF_F_IP_CSUM		2
#define NETIF_F_TSO		2048

struct net_device_stats {
	unsigned long rx_packets, tx_packets;
	unsigned long rx_bytes, tx_bytes;
	unsigned long rx_errors, tx_errors;
	unsigned long rx_dropped, tx_dropped;
};

struct class_device {
	struct device *dev;
};

struct net_device {
	char name[IFNAMSIZ];
	unsigned long state;
	unsigned int mtu;
	unsigned long features;
	unsigned char dev_addr[MAX_ADDR_LEN];
	unsigned long trans_start;
	struct class_device class_dev;

	int (*poll)(struct net_device *dev, int *quota);
	int weight;
	int quota;

	int (*open)(struct net_device *dev);
	int (*stop)(struct net_device *dev);
	int (*hard_start_xmit)(struct sk_buff *skb, struct net_device *dev);
	struct net_device_stats *(*get_stats)(struct net_device *dev);
	int (*change_mtu)(struct net_device *dev, int new_mtu);
	void (*tx_timeout)(struct net_device *dev);
	int watchdog_timeo;
};

#define SET_NETDEV_DEV(net, pdev)	((net)->class_dev.dev = (pdev))

void *netdev_priv(const struct net_device *dev);
int register_netdev(struct net_device *dev);
void unregister_netdev(struct net_device *dev);
void free_netdev(struct net_device *dev);

int netif_running(const struct net_device *dev);
void netif_start_queue(struct net_device *dev);
void netif_stop_queue(struct net_device *dev);
void netif_wake_queue(struct net_device *dev);
int netif_queue_stopped(const struct net_device *dev);
int netif_carrier_ok(const struct net_device *dev);
void netif_carrier_on(struct net_device *dev);
void netif_carrier_off(struct net_device *dev);
int netif_receive_skb(struct sk_buff *skb);

void netif_poll_enable(struct net_device *dev);
void netif_poll_disable(struct net_device *dev);
void netif_rx_schedule(struct net_device *dev);
void __netif_rx_complete(struct net_device *dev);

#endif
