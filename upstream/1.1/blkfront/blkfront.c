/*
 * blkfront.c - virtual block device front end.
 *
 * Each request the block layer hands us becomes one ring request whose
 * segments are pages granted to the back end.  The back end answers on
 * the same ring and raises our event channel; the interrupt handler
 * completes the request and restarts the queue.
 */

#include "block.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Xen virtual block device front end");

static struct kmem_cache *blkif_shadow_cache;

static int blkfront_major = XENVBD_MAJOR;
module_param(blkfront_major, int, 0444);

/* Take a free ring id and a fresh shadow for it. */
static struct blk_shadow *shadow_get(struct blkfront_info *info,
				     unsigned long *idp)
{
	unsigned long id = info->shadow_free;
	struct blk_shadow *s;

	BUG_ON(id >= BLK_RING_SIZE);
	s = kmem_cache_alloc(blkif_shadow_cache, GFP_ATOMIC);
	if (s == NULL)
		return NULL;
	info->shadow_free = info->next_free[id];
	info->next_free[id] = BLK_SHADOW_IN_USE;
	info->shadow[id] = s;
	*idp = id;
	return s;
}

static void shadow_put(struct blkfront_info *info, unsigned long id)
{
	BUG_ON(info->next_free[id] != BLK_SHADOW_IN_USE);
	kmem_cache_free(blkif_shadow_cache, info->shadow[id]);
	info->shadow[id] = NULL;
	info->next_free[id] = info->shadow_free;
	info->shadow_free = id;
}

static void blkfront_request_fn(struct request_queue *rq);

static void blkfront_kick_queue(struct blkfront_info *info)
{
	if (RING_FULL(&info->ring))
		return;
	/* Requests may have been held back for want of ring slots. */
	blk_start_queue(info->rq);
	blkfront_request_fn(info->rq);
}

static void blkfront_restart(struct work_struct *work)
{
	struct blkfront_info *info = container_of(work, struct blkfront_info, restart_work);

	spin_lock_irq(&info->io_lock);
	if (info->connected == BLKFRONT_CONNECTED)
		blkfront_kick_queue(info);
	spin_unlock_irq(&info->io_lock);
}

/* Grant references are available again: retry from process context. */
static void blkfront_grants_free(void *arg)
{
	struct blkfront_info *info = arg;

	schedule_work(&info->restart_work);
}

static int blkfront_open(struct inode *inode, struct file *filep)
{
	struct blkfront_info *info = inode->i_bdev->bd_disk->private_data;

	info->users++;
	return 0;
}

static int blkfront_release(struct inode *inode, struct file *filep)
{
	struct blkfront_info *info = inode->i_bdev->bd_disk->private_data;

	info->users--;
	if (info->users == 0 &&
	    xenbus_read_driver_state(info->xbdev->otherend) ==
	    XenbusStateClosing)
		xenbus_switch_state(info->xbdev, XenbusStateClosed);
	return 0;
}

static int blkfront_ioctl(struct inode *inode, struct file *filep,
			  unsigned command, unsigned long argument)
{
	switch (command) {
	case CDROMMULTISESSION:
		/* A virtual CD has a single session starting at 0. */
		return 0;
	default:
		return -EINVAL;
	}
}

static struct block_device_operations blkfront_fops = {
	.owner		= THIS_MODULE,
	.open		= blkfront_open,
	.release	= blkfront_release,
	.ioctl		= blkfront_ioctl,
};

static void blkfront_grant_segment(struct blkfront_info *info,
				   struct blkif_request *ring_req,
				   struct blk_shadow *s, struct bio_vec *bvec,
				   grant_ref_t *gref_head, int write)
{
	unsigned long mfn = page_to_mfn(bvec->bv_page);
	unsigned int first = bvec->bv_offset >> 9;
	unsigned int last = first + (bvec->bv_len >> 9) - 1;
	int ref;

	BUG_ON(ring_req->nr_segments == BLKIF_MAX_SEGMENTS_PER_REQUEST);
	ref = gnttab_claim_grant_reference(gref_head);
	BUG_ON(ref < 0);
	gnttab_grant_foreign_access_ref(ref, info->xbdev->otherend_id, mfn,
					write);

	s->frame[ring_req->nr_segments] = mfn;
	ring_req->seg[ring_req->nr_segments].gref = ref;
	ring_req->seg[ring_req->nr_segments].first_sect = first;
	ring_req->seg[ring_req->nr_segments].last_sect = last;
	ring_req->nr_segments++;
}

/* Put one request on the ring; nonzero means "ring or grants exhausted". */
static int blkfront_queue_one(struct blkfront_info *info, struct request *req)
{
	struct blkif_request *ring_req;
	struct blk_shadow *s;
	struct req_iterator iter;
	struct bio_vec *bvec;
	grant_ref_t gref_head;
	unsigned long id;
	int write = rq_data_dir(req);

	if (gnttab_alloc_grant_references(BLKIF_MAX_SEGMENTS_PER_REQUEST,
					  &gref_head) < 0) {
		gnttab_request_free_callback(&info->callback,
					     blkfront_grants_free, info,
					     BLKIF_MAX_SEGMENTS_PER_REQUEST);
		return 1;
	}
	s = shadow_get(info, &id);
	if (s == NULL) {
		gnttab_free_grant_references(gref_head);
		return 1;
	}

	ring_req = RING_GET_REQUEST(&info->ring, info->ring.req_prod_pvt);
	ring_req->id = id;
	ring_req->handle = info->handle;
	ring_req->sector_number = (blkif_sector_t)req->sector;
	ring_req->operation = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
	if (blk_barrier_rq(req))
		ring_req->operation = BLKIF_OP_WRITE_BARRIER;
	ring_req->nr_segments = 0;

	rq_for_each_segment(bvec, req, iter)
		blkfront_grant_segment(info, ring_req, s, bvec, &gref_head,
				       !write);

	info->ring.req_prod_pvt++;
	s->request = req;
	s->req = *ring_req;
	gnttab_free_grant_references(gref_head);
	return 0;
}

static void blkfront_flush_requests(struct blkfront_info *info)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&info->ring, notify);
	if (notify)
		notify_remote_via_irq(info->irq);
}

/* The queue's request_fn: called with info->io_lock held. */
static void blkfront_request_fn(struct request_queue *rq)
{
	struct blkfront_info *info = rq->queuedata;
	struct request *req;
	int queued = 0;

	while ((req = elv_next_request(rq)) != NULL) {
		if (!blk_fs_request(req)) {
			end_request(req, 0);
			continue;
		}
		if (info->connected != BLKFRONT_CONNECTED ||
		    RING_FULL(&info->ring) || blkfront_queue_one(info, req)) {
			/* Try again when responses free some room. */
			blk_stop_queue(rq);
			break;
		}
		blkdev_dequeue_request(req);
		queued++;
	}
	if (queued)
		blkfront_flush_requests(info);
}

static int blkfront_init_queue(struct blkfront_info *info,
			       struct gendisk *gd, u16 sector_size)
{
	struct request_queue *rq;

	rq = blk_init_queue(blkfront_request_fn, &info->io_lock);
	if (rq == NULL)
		return -ENOMEM;

	/* The back end reorders requests anyway; do not bother. */
	elevator_init(rq, "noop");

	blk_queue_hardsect_size(rq, sector_size);
	blk_queue_max_sectors(rq, 512);
	blk_queue_segment_boundary(rq, PAGE_SIZE - 1);
	blk_queue_max_segment_size(rq, PAGE_SIZE);
	blk_queue_max_phys_segments(rq, BLKIF_MAX_SEGMENTS_PER_REQUEST);
	blk_queue_max_hw_segments(rq, BLKIF_MAX_SEGMENTS_PER_REQUEST);
	blk_queue_bounce_limit(rq, BLK_BOUNCE_ANY);

	rq->queuedata = info;
	gd->queue = rq;
	info->rq = rq;
	return 0;
}

static int blkfront_set_barrier(struct blkfront_info *info)
{
	int err;

	err = blk_queue_ordered(info->rq, info->feature_barrier ?
				QUEUE_ORDERED_DRAIN : QUEUE_ORDERED_NONE,
				NULL);
	if (err)
		return err;
	printk(KERN_INFO "blkfront: %s: barriers %s\n", info->gd->disk_name,
	       info->feature_barrier ? "enabled" : "disabled");
	return 0;
}

static int blkfront_alloc_disk(struct blkfront_info *info, sector_t sectors,
			       unsigned int vdisk_info, u16 sector_size)
{
	int index = info->vdevice >> 4;
	struct gendisk *gd;
	int err;

	gd = alloc_disk(XENVBD_PARTS);
	if (gd == NULL)
		return -ENOMEM;
	snprintf(gd->disk_name, sizeof(gd->disk_name), "xvd%c", 'a' + index);
	gd->major = blkfront_major;
	gd->first_minor = info->vdevice & ~(XENVBD_PARTS - 1);
	gd->fops = &blkfront_fops;
	gd->private_data = info;
	gd->driverfs_dev = &info->xbdev->dev;
	set_capacity(gd, sectors);

	err = blkfront_init_queue(info, gd, sector_size);
	if (err) {
		put_disk(gd);
		return err;
	}
	info->gd = gd;
	blkfront_set_barrier(info);

	if (vdisk_info & VDISK_READONLY)
		set_disk_ro(gd, 1);
	if (vdisk_info & VDISK_REMOVABLE)
		gd->flags |= GENHD_FL_REMOVABLE;
	if (vdisk_info & VDISK_CDROM)
		gd->flags |= GENHD_FL_CD;
	return 0;
}

static void blkfront_complete(struct blkfront_info *info, unsigned long id)
{
	struct blk_shadow *s = info->shadow[id];
	int i;

	for (i = 0; i < s->req.nr_segments; i++)
		gnttab_end_foreign_access(s->req.seg[i].gref, 0, 0UL);
	shadow_put(info, id);
}

static irqreturn_t blkfront_interrupt(int irq, void *dev_id)
{
	struct blkfront_info *info = dev_id;
	struct blkif_response *bret;
	struct request *req;
	unsigned long flags;
	RING_IDX i, rp;
	int error, more, ret;

	spin_lock_irqsave(&info->io_lock, flags);
	if (unlikely(info->connected != BLKFRONT_CONNECTED)) {
		spin_unlock_irqrestore(&info->io_lock, flags);
		return IRQ_HANDLED;
	}
again:
	rp = info->ring.sring->rsp_prod;
	rmb();	/* see the responses up to rp */
	for (i = info->ring.rsp_cons; i != rp; i++) {
		bret = RING_GET_RESPONSE(&info->ring, i);
		req = info->shadow[bret->id]->request;
		blkfront_complete(info, bret->id);

		error = bret->status == BLKIF_RSP_OKAY ? 0 : -EIO;
		if (bret->operation == BLKIF_OP_WRITE_BARRIER &&
		    bret->status == BLKIF_RSP_EOPNOTSUPP) {
			printk(KERN_WARNING "blkfront: %s: barrier refused\n",
			       info->gd->disk_name);
			error = -EOPNOTSUPP;
			info->feature_barrier = false;
			blkfront_set_barrier(info);
		}

		ret = __blk_end_request(req, error,
					blk_rq_bytes(req));
		BUG_ON(ret);
	}
	info->ring.rsp_cons = i;

	RING_FINAL_CHECK_FOR_RESPONSES(&info->ring, more);
	if (more)
		goto again;

	blkfront_kick_queue(info);
	spin_unlock_irqrestore(&info->io_lock, flags);
	return IRQ_HANDLED;
}

static void blkfront_free(struct blkfront_info *info, int suspend)
{
	spin_lock_irq(&info->io_lock);
	info->connected = suspend ? BLKFRONT_SUSPENDED : BLKFRONT_DISCONNECTED;
	if (info->rq)
		blk_stop_queue(info->rq);
	gnttab_cancel_free_callback(&info->callback);
	spin_unlock_irq(&info->io_lock);

	flush_scheduled_work();

	if (info->ring_ref != GRANT_INVALID_REF) {
		gnttab_end_foreign_access(info->ring_ref, 0,
					  (unsigned long)info->ring.sring);
		info->ring_ref = GRANT_INVALID_REF;
		info->ring.sring = NULL;
	}
	if (info->irq)
		unbind_from_irqhandler(info->irq, info);
	info->evtchn = info->irq = 0;
}

static int blkfront_setup_ring(struct xenbus_device *dev,
			       struct blkfront_info *info)
{
	struct blkif_sring *sring;
	int err, port;

	info->ring_ref = GRANT_INVALID_REF;
	sring = (struct blkif_sring *)__get_free_page(GFP_NOIO | __GFP_HIGH);
	if (sring == NULL) {
		xenbus_dev_fatal(dev, -ENOMEM, "allocating shared ring");
		return -ENOMEM;
	}
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&info->ring, sring, PAGE_SIZE);

	err = xenbus_grant_ring(dev, virt_to_mfn(sring));
	if (err < 0) {
		free_page((unsigned long)sring);
		info->ring.sring = NULL;
		goto fail;
	}
	info->ring_ref = err;

	err = xenbus_alloc_evtchn(dev, &port);
	if (err)
		goto fail;
	info->evtchn = port;

	err = bind_evtchn_to_irqhandler(info->evtchn, blkfront_interrupt, 0,
					"blkif", info);
	if (err <= 0) {
		xenbus_dev_fatal(dev, err, "bind_evtchn_to_irqhandler failed");
		goto fail;
	}
	info->irq = err;
	return 0;
fail:
	blkfront_free(info, 0);
	return err;
}

/* Publish the ring and event channel for the back end to connect to. */
static int blkfront_talk_to_backend(struct xenbus_device *dev,
				    struct blkfront_info *info)
{
	struct xenbus_transaction xbt;
	const char *what;
	int err;

	err = blkfront_setup_ring(dev, info);
	if (err)
		return err;
again:
	err = xenbus_transaction_start(&xbt);
	if (err) {
		xenbus_dev_fatal(dev, err, "starting transaction");
		goto fail;
	}
	what = "ring-ref";
	err = xenbus_printf(xbt, dev->nodename, what, "%u", info->ring_ref);
	if (err)
		goto abort;
	what = "event-channel";
	err = xenbus_printf(xbt, dev->nodename, what, "%u", info->evtchn);
	if (err)
		goto abort;

	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	if (err) {
		xenbus_dev_fatal(dev, err, "completing transaction");
		goto fail;
	}
	xenbus_switch_state(dev, XenbusStateInitialised);
	return 0;

abort:
	xenbus_transaction_end(xbt, 1);
	xenbus_dev_fatal(dev, err, "writing %s", what);
fail:
	blkfront_free(info, 0);
	return err;
}

static int blkfront_probe(struct xenbus_device *dev,
			  const struct xenbus_device_id *id)
{
	struct blkfront_info *info;
	int vdevice, i, err;

	err = xenbus_scanf(XBT_NIL, dev->nodename, "virtual-device", "%i",
			   &vdevice);
	if (err != 1) {
		xenbus_dev_fatal(dev, err, "reading virtual-device");
		return err < 0 ? err : -EINVAL;
	}

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (info == NULL) {
		xenbus_dev_fatal(dev, -ENOMEM, "allocating info structure");
		return -ENOMEM;
	}
	info->xbdev = dev;
	info->vdevice = vdevice;
	info->handle = vdevice;
	info->connected = BLKFRONT_DISCONNECTED;
	spin_lock_init(&info->io_lock);
	INIT_WORK(&info->restart_work, blkfront_restart);

	for (i = 0; i < BLK_RING_SIZE; i++)
		info->next_free[i] = i + 1;
	info->shadow_free = 0;

	dev->dev.driver_data = info;
	err = blkfront_talk_to_backend(dev, info);
	if (err) {
		kfree(info);
		dev->dev.driver_data = NULL;
	}
	return err;
}

/* The back end is ready: find out what it offers and add the disk. */
static void blkfront_connect(struct blkfront_info *info)
{
	unsigned long long sectors;
	unsigned long sector_size;
	unsigned int binfo;
	int err, barrier;

	if (info->connected == BLKFRONT_CONNECTED ||
	    info->connected == BLKFRONT_SUSPENDED)
		return;

	err = xenbus_gather(XBT_NIL, info->xbdev->otherend,
			    "sectors", "%llu", &sectors,
			    "info", "%u", &binfo,
			    "sector-size", "%lu", &sector_size,
			    NULL);
	if (err) {
		xenbus_dev_fatal(info->xbdev, err, "reading backend fields at %s",
				 info->xbdev->otherend);
		return;
	}

	err = xenbus_scanf(XBT_NIL, info->xbdev->otherend, "feature-barrier",
			   "%d", &barrier);
	info->feature_barrier = err == 1 && barrier;

	err = blkfront_alloc_disk(info, sectors, binfo, sector_size);
	if (err) {
		xenbus_dev_fatal(info->xbdev, err, "adding disk for %s",
				 info->xbdev->otherend);
		return;
	}

	xenbus_switch_state(info->xbdev, XenbusStateConnected);
	spin_lock_irq(&info->io_lock);
	info->connected = BLKFRONT_CONNECTED;
	blkfront_kick_queue(info);
	spin_unlock_irq(&info->io_lock);

	add_disk(info->gd);
}

static void blkfront_closing(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev->dev.driver_data;
	unsigned long flags;

	if (info->rq == NULL)
		goto out;

	spin_lock_irqsave(&info->io_lock, flags);
	blk_stop_queue(info->rq);
	gnttab_cancel_free_callback(&info->callback);
	spin_unlock_irqrestore(&info->io_lock, flags);

	flush_scheduled_work();
	del_gendisk(info->gd);
	blk_cleanup_queue(info->rq);
	put_disk(info->gd);
	info->rq = NULL;
	info->gd = NULL;
out:
	xenbus_switch_state(dev, XenbusStateClosed);
}

static void blkfront_backend_changed(struct xenbus_device *dev,
				     enum xenbus_state backend_state)
{
	struct blkfront_info *info = dev->dev.driver_data;

	switch (backend_state) {
	case XenbusStateConnected:
		blkfront_connect(info);
		break;
	case XenbusStateClosing:
		if (info->users > 0)
			xenbus_dev_error(dev, -EBUSY, "device in use; refusing to close");
		else
			blkfront_closing(dev);
		break;
	default:
		break;
	}
}

static int blkfront_remove(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev->dev.driver_data;

	blkfront_free(info, 0);
	kfree(info);
	return 0;
}

static const struct xenbus_device_id blkfront_ids[] = {
	{ "vbd" },
	{ "" }
};

static struct xenbus_driver blkfront_driver = {
	.name			= "vbd",
	.owner			= THIS_MODULE,
	.ids			= blkfront_ids,
	.probe			= blkfront_probe,
	.remove			= blkfront_remove,
	.otherend_changed	= blkfront_backend_changed,
};

static int __init blkfront_init(void)
{
	int err;

	blkif_shadow_cache = kmem_cache_create("blkif_shadow",
					       sizeof(struct blk_shadow), 0,
					       SLAB_HWCACHE_ALIGN, NULL);
	if (blkif_shadow_cache == NULL)
		return -ENOMEM;

	err = register_blkdev(blkfront_major, "xvd");
	if (err < 0)
		goto out_cache;
	if (blkfront_major == 0)
		blkfront_major = err;

	err = xenbus_register_frontend(&blkfront_driver);
	if (err)
		goto out_blkdev;
	return 0;

out_blkdev:
	unregister_blkdev(blkfront_major, "xvd");
out_cache:
	kmem_cache_destroy(blkif_shadow_cache);
	return err;
}
module_init(blkfront_init);

static void __exit blkfront_exit(void)
{
	xenbus_unregister_driver(&blkfront_driver);
	unregister_blkdev(blkfront_major, "xvd");
	kmem_cache_destroy(blkif_shadow_cache);
}
module_exit(blkfront_exit);
