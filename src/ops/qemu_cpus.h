/*
 * ops/qemu_cpus.h: reading QEMU's answer to query-cpus-fast (or, before
 * QEMU 2.12, query-cpus): which vcpus the device model has. Shared by
 * libxl_set_vcpuonline (ops/vcpu_online.c) and
 * libxl_retrieve_domain_configuration (ops/retrieve_config.c).
 */
#ifndef LIGHTCORE_OPS_QEMU_CPUS_H
#define LIGHTCORE_OPS_QEMU_CPUS_H

#include <stdint.h>

#include <json-c/json.h>

#include "libxl.h"

/* The key of a cpu's index in each command's answer. */
#define LIBXL__QEMU_CPUS_FAST_KEY "cpu-index"   /* query-cpus-fast */
#define LIBXL__QEMU_CPUS_KEY      "CPU"         /* query-cpus */

/*
 * map (allocated by the caller) gets exactly the bits of the cpus listed
 * in response, the command's "return" value: an array of objects, each
 * with its cpu's index, an integer, under key. Indexes the map has no bit
 * for (negative, or size * 8 and beyond) are left out. A response that
 * is not an array lists no cpu (as libxl reads it). 0, or ERROR_QEMU_API
 * (logged as libxl does) for an entry without an integer index; map is
 * then partly filled.
 */
int libxl__qemu_cpus_parse(libxl_ctx *ctx, uint32_t domid,
                           struct json_object *response, const char *key,
                           libxl_bitmap *map);

#endif /* LIGHTCORE_OPS_QEMU_CPUS_H */
