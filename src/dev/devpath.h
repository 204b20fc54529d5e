/*
 * dev/devpath.h: the xenstore paths of devices as libxl lays them out, and
 * their strict parsing. The values parsed here are read from xenstore, so
 * they are treated as hostile: anything that is not exactly the expected
 * shape is refused. No state, no lock needed.
 */
#ifndef LIGHTCORE_DEV_DEVPATH_H
#define LIGHTCORE_DEV_DEVPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest device kind accepted in a path ("vbd", "qdisk", "vif"...). */
#define LIBXL__DEV_KIND_MAX 31

/* A backend directory: /local/domain/BACKEND/backend/KIND/FRONTEND/DEVID */
typedef struct libxl__backend_path {
    uint32_t backend_domid;
    char kind[LIBXL__DEV_KIND_MAX + 1];   /* [a-z0-9_]+ */
    uint32_t frontend_domid;
    uint32_t devid;
    /* Length of the prefix ".../backend/KIND/FRONTEND": the directory of
     * every backend of that kind for that frontend domain. */
    size_t frontend_dir_len;
} libxl__backend_path;

/*
 * Parse path as a backend directory. Each number is decimal, without sign,
 * blanks or leading zeros (but "0"), and fits in 32 bits; nothing may
 * follow DEVID. Returns true and fills *out, or false (out undefined).
 */
bool libxl__backend_path_parse(const char *path, libxl__backend_path *out);

/* *p points at such a number: store it in *val and move *p past it;
 * false (nothing moved) if it is not one. */
bool libxl__parse_u32_strict(const char **p, uint32_t *val);

#endif /* LIGHTCORE_DEV_DEVPATH_H */
