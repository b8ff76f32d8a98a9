/* linux/if_ether.h - Ethernet sizes. */
#ifndef _LINUX_IF_ETHER_H
#define _LINUX_IF_ETHER_H

#define ETH_ALEN	6
#define ETH_HLEN	14
#define ETH_DATA_LEN	1500

#endif
