/*
 * linux/slab.h - 2.6.9: caches are kmem_cache_t (struct kmem_cache_s);
 * kmem_cache_create() takes a constructor and a destructor.  Flags are
 * an unsigned int and there is no kzalloc() (2.6.14).
 */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/types.h>
#include <linux/gfp.h>

#define SLAB_HWCACHE_ALIGN	0x00002000UL

typedef struct kmem_cache_s kmem_cache_t;

kmem_cache_t *kmem_cache_create(const char *name, size_t size, size_t align,
				unsigned long flags,
				void (*ctor)(void *, kmem_cache_t *, unsigned long),
				void (*dtor)(void *, kmem_cache_t *, unsigned long));
int kmem_cache_destroy(kmem_cache_t *cachep);
void *kmem_cache_alloc(kmem_cache_t *cachep, unsigned int flags);
void kmem_cache_free(kmem_cache_t *cachep, void *objp);

void *kmalloc(size_t size, unsigned int flags);
void kfree(const void *objp);

#endif
