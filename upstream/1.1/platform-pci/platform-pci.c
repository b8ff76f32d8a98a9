/*
 * platform-pci.c - the Xen platform PCI device of HVM guests.
 *
 * The device model gives HVM guests a PCI device whose interrupt line
 * carries every event channel upcall and whose memory BAR is the space
 * where the guest maps shared pages.  Binding it brings up xenstore and
 * then the xenbus devices.
 */

#include <linux/version.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/init.h>
#include <linux/pci.h>
#include <linux/interrupt.h>
#include <linux/ioport.h>
#include <xen/xenbus.h>
#include <xen/events.h>
#include <xen/hypervisor.h>

#define DRV_NAME			"xen-platform-pci"
#define PCI_VENDOR_ID_XEN		0x5853
#define PCI_DEVICE_ID_XEN_PLATFORM	0x0001

MODULE_AUTHOR("Sample Xen maintainers");
MODULE_DESCRIPTION("Xen platform PCI device");
MODULE_LICENSE("GPL");

static unsigned long platform_mmio;
static unsigned long platform_mmio_len;
static unsigned long platform_mmio_alloc;

/* Hand out pieces of the memory BAR, e.g. for the grant table frames. */
unsigned long alloc_xen_mmio(unsigned long len)
{
	unsigned long addr = platform_mmio + platform_mmio_alloc;

	platform_mmio_alloc += len;
	BUG_ON(platform_mmio_alloc > platform_mmio_len);
	return addr;
}
EXPORT_SYMBOL_GPL(alloc_xen_mmio);

static irqreturn_t platform_pci_interrupt(int irq, void *dev_id)
{
	xen_evtchn_do_upcall();
	return IRQ_HANDLED;
}

static int xen_hvm_param(int op, u32 index, u64 *value)
{
	struct xen_hvm_param a = { .domid = DOMID_SELF, .index = index };
	int err;

	if (op == HVMOP_set_param)
		a.value = *value;
	err = HYPERVISOR_hvm_op(op, &a);
	if (err == 0 && op == HVMOP_get_param)
		*value = a.value;
	return err;
}

/* Deliver upcalls as our own INTx: its GSI is the irq we were given. */
static int platform_pci_set_callback(struct pci_dev *pdev)
{
	u64 via = HVM_CALLBACK_GSI(pdev->irq);

	return xen_hvm_param(HVMOP_set_param, HVM_PARAM_CALLBACK_IRQ, &via);
}

static int platform_pci_start_xenbus(void)
{
	u64 pfn, evtchn;
	int err;

	err = xen_hvm_param(HVMOP_get_param, HVM_PARAM_STORE_PFN, &pfn);
	if (!err)
		err = xen_hvm_param(HVMOP_get_param, HVM_PARAM_STORE_EVTCHN,
				    &evtchn);
	if (err)
		return err;
	err = xs_init(pfn, evtchn);
	if (err)
		return err;
	return xenbus_probe_init();
}

static int __devinit platform_pci_probe(struct pci_dev *pdev,
					const struct pci_device_id *ent)
{
	unsigned long ioaddr, iolen, mmio_addr, mmio_len;
	int err;

	err = pci_enable_device(pdev);
	if (err)
		return err;

	ioaddr = pci_resource_start(pdev, 0);
	iolen = pci_resource_len(pdev, 0);
	mmio_addr = pci_resource_start(pdev, 1);
	mmio_len = pci_resource_len(pdev, 1);
	if (mmio_addr == 0 || ioaddr == 0) {
		printk(KERN_WARNING DRV_NAME ": no I/O or memory resources\n");
		err = -ENOENT;
		goto out_disable;
	}
	if (request_mem_region(mmio_addr, mmio_len, DRV_NAME) == NULL) {
		err = -EBUSY;
		goto out_disable;
	}
	if (request_region(ioaddr, iolen, DRV_NAME) == NULL) {
		err = -EBUSY;
		goto out_mem;
	}
	platform_mmio = mmio_addr;
	platform_mmio_len = mmio_len;

	err = request_irq(pdev->irq, platform_pci_interrupt,
			  IRQF_SHARED | IRQF_SAMPLE_RANDOM, DRV_NAME, pdev);
	if (err) {
		printk(KERN_WARNING DRV_NAME ": request_irq failed: %d\n", err);
		goto out_io;
	}
	err = platform_pci_set_callback(pdev);
	if (err) {
		printk(KERN_WARNING DRV_NAME ": callback via failed: %d\n", err);
		goto out_irq;
	}
	err = platform_pci_start_xenbus();
	if (err)
		goto out_irq;
	return 0;

out_irq:
	free_irq(pdev->irq, pdev);
out_io:
	release_region(ioaddr, iolen);
out_mem:
	release_mem_region(mmio_addr, mmio_len);
out_disable:
	pci_disable_device(pdev);
	return err;
}

static DEFINE_PCI_DEVICE_TABLE(platform_pci_tbl) = {
	{ PCI_VENDOR_ID_XEN, PCI_DEVICE_ID_XEN_PLATFORM,
	  PCI_ANY_ID, PCI_ANY_ID, 0, 0, 0 },
	{ 0, }
};
MODULE_DEVICE_TABLE(pci, platform_pci_tbl);

static struct pci_driver platform_driver = {
	.name		= DRV_NAME,
	.probe		= platform_pci_probe,
	.id_table	= platform_pci_tbl,
};

static int __init platform_pci_module_init(void)
{
	return pci_register_driver(&platform_driver);
}
module_init(platform_pci_module_init);
