/*
 * base/export.h: force-included (-include) into every library object. It reads
 * the public headers with default visibility, so exactly the functions
 * declared there are exported while everything else stays hidden
 * (-fvisibility=hidden). It also makes LIBXL_EXTERNAL_CALLERS_ONLY a
 * compile-time warning inside the library.
 */
#ifndef LIGHTCORE_EXPORT_H
#define LIGHTCORE_EXPORT_H

#define LIBXL_EXTERNAL_CALLERS_ONLY \
    __attribute__((warning("may be called by applications only, not from within the library")))

#pragma GCC visibility push(default)
#include <libxl.h>
#include <libxl_event.h>
#include <libxl_uuid.h>
#include <libxl_utils.h>
#include <libxl_json.h>
#include <libxl_lightcore.h>
#pragma GCC visibility pop

#endif
