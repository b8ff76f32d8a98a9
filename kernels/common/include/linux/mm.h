/* linux/mm.h - pages and frames. */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <asm/page.h>

struct page;

unsigned long page_to_pfn(struct page *page);
void *page_address(struct page *page);

#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)

#endif
