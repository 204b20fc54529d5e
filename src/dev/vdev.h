/*
 * dev/vdev.h: a disk's virtual device name ("xvda", "hdc", "sdb1",
 * "d0p1", or a plain number) and the devid libxl 4.17 gives it, the same
 * numbering Linux's blkfront decodes. Pure functions.
 */
#ifndef LIGHTCORE_DEV_VDEV_H
#define LIGHTCORE_DEV_VDEV_H

#include "base/gc.h"

/*
 * The devid of vdev, or -1 if it is not a name libxl accepts. disk_r and
 * part_r (either may be NULL) receive the disk index and partition; a
 * plain number is accepted only when neither is asked for, as in libxl.
 */
int libxl__vdev_to_devid(const char *vdev, int *disk_r, int *part_r);

/* "xvdX[N]" for a devid (libxl's naming of a devid it finds in xenstore),
 * owned by gc. */
char *libxl__devid_to_vdev(libxl__gc *gc, int devid);

#endif /* LIGHTCORE_DEV_VDEV_H */
