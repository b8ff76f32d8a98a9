/* linux/gfp.h - allocation flags and the page allocator. */
#ifndef _LINUX_GFP_H
#define _LINUX_GFP_H

#define __GFP_WAIT	0x10u
#define __GFP_HIGH	0x20u
#define __GFP_IO	0x40u
#define __GFP_FS	0x80u

#define GFP_ATOMIC	(__GFP_HIGH)
#define GFP_NOIO	(__GFP_WAIT)
#define GFP_KERNEL	(__GFP_WAIT | __GFP_IO | __GFP_FS)

unsigned long __get_free_pages(unsigned int gfp_mask, unsigned int order);
unsigned long get_zeroed_page(unsigned int gfp_mask);
void free_pages(unsigned long addr, unsigned int order);

#define __get_free_page(gfp_mask)	__get_free_pages((gfp_mask), 0)
#define free_page(addr)			free_pages((addr), 0)

#endif
