/*
 * base/log.h: logging through the application's xentoollog logger, in
 * libxl's format. Needs no lock.
 */
#ifndef LIGHTCORE_BASE_LOG_H
#define LIGHTCORE_BASE_LOG_H

#include <errno.h>
#include <stdint.h>

#include "base/ctx_base.h"

/* A domid meaning "this message is not about one domain". */
#define LIBXL__NO_DOMID ((uint32_t)INVALID_DOMID)

/*
 * Log through ctx's logger with context "libxl", as
 *   FILE:LINE:FUNC: MESSAGE   or   FILE:LINE:FUNC: Domain N:MESSAGE
 * errnoval is an errno value to report, or -1. ctx may be NULL (nothing is
 * logged). Preserves errno.
 */
void libxl__log(libxl_ctx *ctx, xentoollog_level level, int errnoval,
                const char *file, int line, const char *func,
                uint32_t domid, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

#ifdef __FILE_NAME__
#define LIBXL__FILE __FILE_NAME__
#else
#define LIBXL__FILE __FILE__
#endif

/* LOG(ctx, ERROR, "fmt", ...): level is a XTL_ suffix. LOGE adds errno;
 * LOGD / LOGED are the same about one domain. */
#define LOG(ctx, lvl, ...) \
    libxl__log((ctx), XTL_##lvl, -1, LIBXL__FILE, __LINE__, __func__, \
               LIBXL__NO_DOMID, __VA_ARGS__)
#define LOGE(ctx, lvl, ...) \
    libxl__log((ctx), XTL_##lvl, errno, LIBXL__FILE, __LINE__, __func__, \
               LIBXL__NO_DOMID, __VA_ARGS__)
#define LOGD(ctx, lvl, domid, ...) \
    libxl__log((ctx), XTL_##lvl, -1, LIBXL__FILE, __LINE__, __func__, \
               (domid), __VA_ARGS__)
#define LOGED(ctx, lvl, domid, ...) \
    libxl__log((ctx), XTL_##lvl, errno, LIBXL__FILE, __LINE__, __func__, \
               (domid), __VA_ARGS__)

#endif /* LIGHTCORE_BASE_LOG_H */
