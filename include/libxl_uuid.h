/*
 * libxl_uuid.h: the libxl_uuid type and its functions, as libxenlight 4.17
 * declares them (implemented over libuuid in src/builtin_types.c).
 *
 * Included by libxl.h after libxl_ctx is declared. A libxl_uuid holds the
 * 16 bytes of a UUID in big-endian (network) order; its text form is
 * LIBXL_UUID_FMT, lowercase hex with four hyphens.
 */
#ifndef LIGHTCORE_LIBXL_UUID_H
#define LIGHTCORE_LIBXL_UUID_H

#include <stdint.h>

#define LIBXL_UUID_FMT "%02hhx%02hhx%02hhx%02hhx-%02hhx%02hhx-%02hhx%02hhx-" \
                       "%02hhx%02hhx-%02hhx%02hhx%02hhx%02hhx%02hhx%02hhx"
#define LIBXL_UUID_FMTLEN ((2 * 16) + 4) /* 32 hex digits and 4 hyphens */
#define LIBXL__UUID_BYTES(u) (u)[0], (u)[1], (u)[2], (u)[3], (u)[4], (u)[5], \
        (u)[6], (u)[7], (u)[8], (u)[9], (u)[10], (u)[11], (u)[12], (u)[13], \
        (u)[14], (u)[15]
#define LIBXL_UUID_BYTES(arg) LIBXL__UUID_BYTES((arg).uuid)

typedef struct {
    unsigned char uuid[16]; /* big-endian byte order */
} libxl_uuid;

/* Programs written for API 0x0406xx and older got libuuid's header here. */
#if defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x040700
#include <uuid/uuid.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Nonzero if every byte is zero. */
int libxl_uuid_is_nil(const libxl_uuid *uuid);
/* A fresh random UUID. */
void libxl_uuid_generate(libxl_uuid *uuid);
/* Parses the 36-character text form (either case): 0, or -1 if malformed. */
int libxl_uuid_from_string(libxl_uuid *uuid, const char *in);
/* *dst = *src; ctx_opt may be NULL and is not used. */
void libxl_uuid_copy(libxl_ctx *ctx_opt, libxl_uuid *dst,
                     const libxl_uuid *src);
#if defined(LIBXL_API_VERSION) && LIBXL_API_VERSION < 0x040500
/* The 4.4 API had no ctx argument. */
static inline void libxl_uuid_copy_0x040400(libxl_uuid *dst,
                                            const libxl_uuid *src)
{
    libxl_uuid_copy(NULL, dst, src);
}
#define libxl_uuid_copy libxl_uuid_copy_0x040400
#endif
/* Sets every byte to zero. */
void libxl_uuid_clear(libxl_uuid *uuid);
/* memcmp-style ordering of the 16 bytes. */
int libxl_uuid_compare(const libxl_uuid *uuid1, const libxl_uuid *uuid2);
/* The 16 bytes themselves. */
const uint8_t *libxl_uuid_bytearray_const(const libxl_uuid *uuid);
uint8_t *libxl_uuid_bytearray(libxl_uuid *uuid);

#ifdef __cplusplus
}
#endif

#endif /* LIGHTCORE_LIBXL_UUID_H */
