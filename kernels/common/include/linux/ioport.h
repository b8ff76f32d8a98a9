/* linux/ioport.h - claiming I/O port and memory ranges. */
#ifndef _LINUX_IOPORT_H
#define _LINUX_IOPORT_H

struct resource;

struct resource *__request_region(unsigned long start, unsigned long n,
				  const char *name, int mem);
void __release_region(unsigned long start, unsigned long n, int mem);

#define request_region(start, n, name)	__request_region(start, n, name, 0)
#define request_mem_region(start, n, name) __request_region(start, n, name, 1)
#define release_region(start, n)	__release_region(start, n, 0)
#define release_mem_region(start, n)	__release_region(start, n, 1)

#endif
