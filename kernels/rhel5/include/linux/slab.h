/*
 * linux/slab.h - 2.6.18: caches are struct kmem_cache, still also known
 * as kmem_cache_t (until 2.6.20); kmem_cache_create() takes a
 * constructor and a destructor (until 2.6.23).  kzalloc() exists (2.6.14).
 */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/types.h>
#include <linux/gfp.h>

#define SLAB_HWCACHE_ALIGN	0x00002000UL

typedef struct kmem_cache kmem_cache_t;

kmem_cache_t *kmem_cache_create(const char *name, size_t size, size_t align,
				unsigned long flags,
				void (*ctor)(void *, kmem_cache_t *, unsigned long),
				void (*dtor)(void *, kmem_cache_t *, unsigned long));
int kmem_cache_destroy(kmem_cache_t *cachep);
void *kmem_cache_alloc(kmem_cache_t *cachep, gfp_t flags);
void kmem_cache_free(kmem_cache_t *cachep, void *objp);

void *kmalloc(size_t size, gfp_t flags);
void *kzalloc(size_t size, gfp_t flags);
void kfree(const void *objp);

#endif
