/*
 * ring.h - shared-memory request/response rings between a front-end
 * driver and its back-end in another domain.
 *
 * A shared ring is one page: four indices, padding, then a power-of-two
 * array of slots, each big enough for a request or a response.  The
 * front end keeps a private view with its own producer and consumer.
 */
#ifndef __XEN_RING_H__
#define __XEN_RING_H__

#include <linux/stddef.h>
#include <asm/system.h>

typedef unsigned int RING_IDX;

/* Round a slot count down to a power of two (counts below 64K). */
#define __RD2(x)  (((x) & 0x2) ? 0x2 : ((x) & 0x1))
#define __RD4(x)  (((x) & 0xc) ? __RD2((x) >> 2) << 2 : __RD2(x))
#define __RD8(x)  (((x) & 0xf0) ? __RD4((x) >> 4) << 4 : __RD4(x))
#define __RD16(x) (((x) & 0xff00) ? __RD8((x) >> 8) << 8 : __RD8(x))

#define DEFINE_XEN_RING(name, req_t, rsp_t)				\
union name##_slot {							\
	req_t req;							\
	rsp_t rsp;							\
};									\
struct name##_sring {							\
	RING_IDX req_prod, req_event;					\
	RING_IDX rsp_prod, rsp_event;					\
	unsigned char pad[48];						\
	union name##_slot ring[1];					\
};									\
struct name##_front_ring {						\
	RING_IDX req_prod_pvt;						\
	RING_IDX rsp_cons;						\
	unsigned int nr_ents;						\
	struct name##_sring *sring;					\
}

/* Slots that fit in a ring of _sz bytes, as a constant expression. */
#define __CONST_RING_SIZE(name, _sz)					\
	((unsigned int)__RD16(((_sz) - offsetof(struct name##_sring, ring)) / \
			      sizeof(union name##_slot)))

#define SHARED_RING_INIT(_s) do {					\
	(_s)->req_prod = (_s)->rsp_prod = 0;				\
	(_s)->req_event = (_s)->rsp_event = 1;				\
} while (0)

#define FRONT_RING_INIT(_r, _s, _sz) do {				\
	(_r)->req_prod_pvt = 0;						\
	(_r)->rsp_cons = 0;						\
	(_r)->nr_ents = __RD16(((_sz) - offsetof(typeof(*(_s)), ring)) / \
			       sizeof((_s)->ring[0]));			\
	(_r)->sring = (_s);						\
} while (0)

#define RING_SIZE(_r)		((_r)->nr_ents)
#define RING_FREE_REQUESTS(_r)						\
	(RING_SIZE(_r) - ((_r)->req_prod_pvt - (_r)->rsp_cons))
#define RING_FULL(_r)		(RING_FREE_REQUESTS(_r) == 0)

#define RING_GET_REQUEST(_r, _idx)					\
	(&((_r)->sring->ring[(_idx) & (RING_SIZE(_r) - 1)].req))
#define RING_GET_RESPONSE(_r, _idx)					\
	(&((_r)->sring->ring[(_idx) & (RING_SIZE(_r) - 1)].rsp))

#define RING_HAS_UNCONSUMED_RESPONSES(_r)				\
	((_r)->sring->rsp_prod - (_r)->rsp_cons)

/* Publish private requests; _notify says whether the back end must be kicked. */
#define RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(_r, _notify) do {		\
	RING_IDX __old = (_r)->sring->req_prod;				\
	RING_IDX __new = (_r)->req_prod_pvt;				\
	wmb();								\
	(_r)->sring->req_prod = __new;					\
	mb();								\
	(_notify) = ((RING_IDX)(__new - (_r)->sring->req_event) <	\
		     (RING_IDX)(__new - __old));			\
} while (0)

/* Re-arm the response event and look once more, closing the race. */
#define RING_FINAL_CHECK_FOR_RESPONSES(_r, _work_to_do) do {		\
	(_work_to_do) = RING_HAS_UNCONSUMED_RESPONSES(_r);		\
	if (_work_to_do)						\
		break;							\
	(_r)->sring->rsp_event = (_r)->rsp_cons + 1;			\
	mb();								\
	(_work_to_do) = RING_HAS_UNCONSUMED_RESPONSES(_r);		\
} while (0)

#endif /* __XEN_RING_H__ */
