/*
 * ops/qemu_cpus.c: QEMU's list of its cpus (query-cpus-fast / query-cpus
 * answers) as a bitmap; see ops/qemu_cpus.h. No state, no I/O.
 */
#include "ops/qemu_cpus.h"

#include "base/log.h"

#include "libxl_utils.h"

int libxl__qemu_cpus_parse(libxl_ctx *ctx, uint32_t domid,
                           struct json_object *response, const char *key,
                           libxl_bitmap *map)
{
    size_t n = response && json_object_is_type(response, json_type_array)
        ? json_object_array_length(response) : 0;

    libxl_bitmap_set_none(map);
    for (size_t i = 0; i < n; i++) {
        struct json_object *cpu = json_object_array_get_idx(response, i), *o;

        if (!cpu || !json_object_is_type(cpu, json_type_object) ||
            !json_object_object_get_ex(cpu, key, &o) ||
            !json_object_is_type(o, json_type_int)) {
            LOGD(ctx, ERROR, domid, "Failed to retrieve CPU index.");
            return ERROR_QEMU_API;
        }
        int64_t index = json_object_get_int64(o);
        if (index >= 0 && index < (int64_t)map->size * 8)
            libxl_bitmap_set(map, (int)index);
    }
    return 0;
}
