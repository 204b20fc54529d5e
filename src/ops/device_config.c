/*
 * ops/device_config.c: a device kind's array in a domain's stored
 * configuration (libxl_domain_config): putting a device in (replacing
 * the same device, as libxl) and taking it out again. Works on a
 * configuration the caller has read under the userdata lock; reads and
 * writes no file itself.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ops/device.h"

static void **array_of(const libxl__devtype *dt, libxl_domain_config *c)
{
    return (void **)((char *)c + dt->cfg_array);
}

static int *num_of(const libxl__devtype *dt, libxl_domain_config *c)
{
    return (int *)((char *)c + dt->cfg_num);
}

static int find(const libxl__devtype *dt, libxl_domain_config *c,
                const void *dev)
{
    void *array = *array_of(dt, c);
    int num = *num_of(dt, c), found = -1;

    /* the last match, as libxl's loop keeps it */
    for (int i = 0; i < num; i++)
        if (dt->same(libxl__devtype_elem(dt, array, i), dev))
            found = i;
    return found;
}

int libxl__device_config_put(libxl__gc *gc, const libxl__devtype *dt,
                             libxl_domain_config *d_config, const void *dev,
                             void **replaced_r)
{
    void **array = array_of(dt, d_config);
    int *num = num_of(dt, d_config);
    int i = find(dt, d_config, dev);
    void *elem;

    if (replaced_r) *replaced_r = NULL;
    if (i >= 0) {
        elem = libxl__devtype_elem(dt, *array, i);
        if (replaced_r) {
            void *old = malloc(dt->size);
            if (!old) return ERROR_NOMEM;
            memcpy(old, elem, dt->size);         /* takes its ownership */
            *replaced_r = old;
        } else {
            dt->dispose(elem);
        }
    } else {
        void *bigger = realloc(*array, dt->size * (size_t)(*num + 1));
        if (!bigger) {
            LOG(gc->ctx, ERROR, "no memory for the configuration's %ss",
                dt->name);
            return ERROR_NOMEM;
        }
        *array = bigger;
        elem = libxl__devtype_elem(dt, bigger, (*num)++);
    }
    dt->init(elem);
    dt->copy(gc->ctx, elem, dev);
    return 0;
}

int libxl__device_config_drop(libxl__gc *gc, const libxl__devtype *dt,
                              libxl_domain_config *d_config, const void *dev,
                              const void *restore)
{
    void **array = array_of(dt, d_config);
    int *num = num_of(dt, d_config);
    int i = find(dt, d_config, dev);

    if (i >= 0 && restore) {          /* back in its place */
        void *elem = libxl__devtype_elem(dt, *array, i);
        dt->dispose(elem);
        dt->init(elem);
        dt->copy(gc->ctx, elem, restore);
        return 0;
    }
    if (i >= 0) {
        char *elem = libxl__devtype_elem(dt, *array, i);
        dt->dispose(elem);
        memmove(elem, elem + dt->size, dt->size * (size_t)(*num - i - 1));
        (*num)--;
        if (!*num) {
            free(*array);
            *array = NULL;
        }
    }
    if (restore)
        return libxl__device_config_put(gc, dt, d_config, restore, NULL);
    return 0;
}
