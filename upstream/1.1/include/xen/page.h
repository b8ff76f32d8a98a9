/*
 * page.h - guest pseudo-physical frames versus machine frames.
 *
 * An HVM guest sees machine frames identical to its own frames; the
 * helpers keep the PV vocabulary the drivers are written in.
 */
#ifndef __XEN_PAGE_H__
#define __XEN_PAGE_H__

#include <linux/mm.h>

static inline unsigned long pfn_to_mfn(unsigned long pfn)
{
	return pfn;
}

#define virt_to_mfn(v)		(pfn_to_mfn(__pa(v) >> PAGE_SHIFT))
#define page_to_mfn(p)		(pfn_to_mfn(page_to_pfn(p)))
#define mfn_to_virt(m)		(__va((unsigned long)(m) << PAGE_SHIFT))

#endif /* __XEN_PAGE_H__ */
