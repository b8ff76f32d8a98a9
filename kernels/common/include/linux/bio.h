/* linux/bio.h - block I/O vectors. */
#ifndef _LINUX_BIO_H
#define _LINUX_BIO_H

#include <linux/types.h>

struct page;

struct bio_vec {
	struct page *bv_page;
	unsigned int bv_len;
	unsigned int bv_offset;
};

struct bio {
	sector_t bi_sector;
	struct bio *bi_next;
	unsigned short bi_vcnt;		/* how many bio_vecs */
	unsigned short bi_idx;		/* current index into bi_io_vec */
	struct bio_vec *bi_io_vec;
};

/* Walk the not yet completed segments of one bio. */
#define bio_for_each_segment(bvl, bio, i)				\
	for ((i) = (bio)->bi_idx;					\
	     (i) < (bio)->bi_vcnt &&					\
	     ((bvl) = &(bio)->bi_io_vec[(i)]) != NULL;			\
	     (i)++)

#endif
