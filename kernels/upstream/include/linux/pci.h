/*
 * linux/pci.h - 2.6.27: PCI drivers.  DEFINE_PCI_DEVICE_TABLE() exists
 * (2.6.25).
 */
#ifndef _LINUX_PCI_H
#define _LINUX_PCI_H

#include <linux/types.h>
#include <linux/init.h>
#include <linux/device.h>

#define PCI_ANY_ID (~0)

struct pci_device_id {
	u32 vendor, device;
	u32 subvendor, subdevice;
	u32 class, class_mask;
	unsigned long driver_data;
};

struct pci_dev {
	unsigned short vendor, device;
	unsigned int irq;
	struct device dev;
};

struct pci_driver {
	const char *name;
	const struct pci_device_id *id_table;
	int (*probe)(struct pci_dev *dev, const struct pci_device_id *id);
	void (*remove)(struct pci_dev *dev);
};

#define DEFINE_PCI_DEVICE_TABLE(_table) \
	const struct pci_device_id _table[] __devinitconst

int pci_register_driver(struct pci_driver *drv);
void pci_unregister_driver(struct pci_driver *drv);
int pci_enable_device(struct pci_dev *dev);
void pci_disable_device(struct pci_dev *dev);
unsigned long pci_resource_start(struct pci_dev *dev, int bar);
unsigned long pci_resource_len(struct pci_dev *dev, int bar);

#endif
