/*
 * linux/skbuff.h - 2.6.16: socket buffers.  One CHECKSUM_HW value for
 * both directions (split in 2.6.19); no __netdev_alloc_skb() (2.6.18).
 */
#ifndef _LINUX_SKBUFF_H
#define _LINUX_SKBUFF_H

#include <linux/types.h>

struct net_device;

#define CHECKSUM_NONE		0
#define CHECKSUM_HW		1
#define CHECKSUM_UNNECESSARY	2

struct sk_buff {
	struct sk_buff *next;
	struct net_device *dev;
	unsigned int len, data_len;
	unsigned char *head, *data;
	unsigned char ip_summed;
	unsigned short protocol;
};

struct sk_buff *alloc_skb(unsigned int size, gfp_t priority);
void skb_reserve(struct sk_buff *skb, int len);
unsigned char *skb_put(struct sk_buff *skb, unsigned int len);
void kfree_skb(struct sk_buff *skb);
void dev_kfree_skb_irq(struct sk_buff *skb);
#define dev_kfree_skb(a)	kfree_skb(a)

#endif
