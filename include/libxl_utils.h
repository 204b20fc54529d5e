/*
 * libxl_utils.h: lightcore's helpers that libxenlight 4.17 declares in its
 * libxl_utils.h (same names and signatures), for what is implemented.
 */
#ifndef LIBXL_UTILS_H
#define LIBXL_UTILS_H

#include <string.h>

#include "libxl.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * libxl_name_to_domid: the id of the domain called name. 0 on success;
 * ERROR_INVAL if no domain has that name; ERROR_FAIL if the domains could
 * not be listed. If several domains share the name, the lowest id wins.
 */
int libxl_name_to_domid(libxl_ctx *ctx, const char *name, uint32_t *domid);

/*
 * libxl_domain_qualifier_to_domid: name is a domain id (decimal digits
 * only) or a domain name. A numeric qualifier is converted without checking
 * that the domain exists; a name is looked up as libxl_name_to_domid does.
 */
int libxl_domain_qualifier_to_domid(libxl_ctx *ctx, const char *name,
                                    uint32_t *domid);

/*
 * libxl_domid_to_name: the domain's name from xenstore, malloc'ed (caller
 * frees), or NULL if the domain has none.
 */
char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid);

/* ---- bitmaps (libxl_bitmap, declared in libxl.h) */

/*
 * libxl_bitmap_alloc: a zeroed map of at least n_bits bits (rounded up to
 * whole bytes) in malloc'ed memory, which the caller releases with
 * libxl_bitmap_dispose; bitmap is overwritten, not disposed. 0, or
 * ERROR_INVAL for a negative n_bits (libxl aborts).
 */
int libxl_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *bitmap, int n_bits);
/* A copy of sptr into dptr, allocated (dptr is overwritten). */
void libxl_bitmap_copy_alloc(libxl_ctx *ctx, libxl_bitmap *dptr,
                             const libxl_bitmap *sptr);
/* Copies the bits into dptr, which must have sptr's size (else abort). */
void libxl_bitmap_copy(libxl_ctx *ctx, libxl_bitmap *dptr,
                       const libxl_bitmap *sptr);
/* Every bit set / no bit set (both true of an empty map). */
int libxl_bitmap_is_full(const libxl_bitmap *bitmap);
int libxl_bitmap_is_empty(const libxl_bitmap *bitmap);
/* Bits outside the map read 0 and are not written. */
int libxl_bitmap_test(const libxl_bitmap *bitmap, int bit);
void libxl_bitmap_set(libxl_bitmap *bitmap, int bit);
void libxl_bitmap_reset(libxl_bitmap *bitmap, int bit);
int libxl_bitmap_count_set(const libxl_bitmap *bitmap);
/*
 * The union (sized as the larger map) or intersection (sized as the
 * smaller) of two maps, allocated into the result, which is overwritten
 * and may be one of the operands. 0.
 */
int libxl_bitmap_or(libxl_ctx *ctx, libxl_bitmap *or_map,
                    const libxl_bitmap *map1, const libxl_bitmap *map2);
int libxl_bitmap_and(libxl_ctx *ctx, libxl_bitmap *and_map,
                     const libxl_bitmap *map1, const libxl_bitmap *map2);
/* "0x" then two hex digits a byte, the last byte first (malloc'ed). */
char *libxl_bitmap_to_hex_string(libxl_ctx *ctx, const libxl_bitmap *bitmap);

static inline void libxl_bitmap_set_any(libxl_bitmap *bitmap)
{
    memset(bitmap->map, -1, bitmap->size);
}

static inline void libxl_bitmap_set_none(libxl_bitmap *bitmap)
{
    memset(bitmap->map, 0, bitmap->size);
}

/* Whether bit lies inside the map. */
static inline int libxl_bitmap_cpu_valid(libxl_bitmap *bitmap, int bit)
{
    return bit >= 0 && (uint32_t)bit < bitmap->size * 8;
}

/* var (signed or not) runs over every bit index of map / over the set
   ones. */
#define libxl_for_each_bit(var, map) \
    for (var = 0; (long long)(var) < (long long)(map).size * 8; var++)
#define libxl_for_each_set_bit(v, m) \
    for (v = 0; (long long)(v) < (long long)(m).size * 8; v++) \
        if (libxl_bitmap_test(&(m), v))

/* Whether the first nr_bits bits agree (0: all bits of the larger map;
   bits past a map's end read 0). */
static inline int libxl_bitmap_equal(const libxl_bitmap *ba,
                                     const libxl_bitmap *bb,
                                     int nr_bits)
{
    int i;

    if (nr_bits == 0)
        nr_bits = ba->size > bb->size ? ba->size * 8 : bb->size * 8;
    for (i = 0; i < nr_bits; i++) {
        if (libxl_bitmap_test(ba, i) != libxl_bitmap_test(bb, i))
            return 0;
    }
    return 1;
}

#ifdef __cplusplus
}
#endif

#endif /* LIBXL_UTILS_H */
