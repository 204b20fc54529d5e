/*
 * types/bitmap.c: libxl_bitmap, a bit set of whole bytes: the pure helpers
 * libxl 4.17 exports (allocation, copy, tests, set operations, hex text),
 * its JSON form and the builtin interface of types/builtins.h. Nothing
 * here asks the hypervisor: sizing a map by the host is ops/host.c's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/builtin_impl.h"
#include "types/builtins.h"
#include "types/types_internal.h"
#include "base/log.h"

#include <libxl_utils.h>

/* ------------------------------------------------------------ public */

void libxl_bitmap_init(libxl_bitmap *map)
{
    memset(map, 0, sizeof(*map));
}

void libxl_bitmap_dispose(libxl_bitmap *map)
{
    if (!map)
        return;
    free(map->map);
    libxl_bitmap_init(map);
}

int libxl_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *bitmap, int n_bits)
{
    uint32_t bytes;

    /* libxl aborts on a negative count; a clear error is kinder. */
    if (n_bits < 0) {
        LOG(ctx, ERROR, "invalid bitmap size %d", n_bits);
        return ERROR_INVAL;
    }
    bytes = ((uint32_t)n_bits + 7) / 8;
    bitmap->map = lc_calloc(bytes, 1);
    bitmap->size = bytes;
    return 0;
}

void libxl_bitmap_copy(libxl_ctx *ctx, libxl_bitmap *dptr,
                       const libxl_bitmap *sptr)
{
    (void)ctx;
    /* Same sizes only, as in libxl (which asserts it). */
    if (dptr->size != sptr->size) {
        fprintf(stderr, "libxl_bitmap_copy: sizes differ (%u, %u)\n",
                (unsigned)dptr->size, (unsigned)sptr->size);
        abort();
    }
    if (sptr->size)
        memcpy(dptr->map, sptr->map, sptr->size);
}

void libxl_bitmap_copy_alloc(libxl_ctx *ctx, libxl_bitmap *dptr,
                             const libxl_bitmap *sptr)
{
    (void)ctx;
    dptr->map = lc_calloc(sptr->size, 1);
    dptr->size = sptr->size;
    if (sptr->size)
        memcpy(dptr->map, sptr->map, sptr->size);
}

int libxl_bitmap_is_full(const libxl_bitmap *bitmap)
{
    for (uint32_t i = 0; i < bitmap->size; i++)
        if (bitmap->map[i] != 0xff)
            return 0;
    return 1;
}

int libxl_bitmap_is_empty(const libxl_bitmap *bitmap)
{
    for (uint32_t i = 0; i < bitmap->size; i++)
        if (bitmap->map[i])
            return 0;
    return 1;
}

/* Whether bit names a bit of the map (the map's size is in bytes). */
static bool bit_in_map(const libxl_bitmap *bitmap, int bit)
{
    return bit >= 0 && (uint64_t)bit < (uint64_t)bitmap->size * 8;
}

int libxl_bitmap_test(const libxl_bitmap *bitmap, int bit)
{
    if (!bit_in_map(bitmap, bit))
        return 0;
    return (bitmap->map[bit / 8] >> (bit % 8)) & 1;
}

void libxl_bitmap_set(libxl_bitmap *bitmap, int bit)
{
    if (bit_in_map(bitmap, bit))
        bitmap->map[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

void libxl_bitmap_reset(libxl_bitmap *bitmap, int bit)
{
    if (bit_in_map(bitmap, bit))
        bitmap->map[bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

int libxl_bitmap_count_set(const libxl_bitmap *bitmap)
{
    int n = 0;

    for (uint32_t i = 0; i < bitmap->size; i++)
        n += __builtin_popcount(bitmap->map[i]);
    return n;
}

/*
 * The result has the larger size (or) or the smaller (and); past the end
 * of the smaller map, "or" takes the larger map's bytes. out is
 * overwritten without being disposed, as in libxl.
 */
static int combine(libxl_ctx *ctx, libxl_bitmap *out,
                   const libxl_bitmap *a, const libxl_bitmap *b, bool is_or)
{
    const libxl_bitmap *big = a->size > b->size ? a : b;
    const libxl_bitmap *small = big == a ? b : a;
    uint32_t size = is_or ? big->size : small->size;

    (void)ctx;
    /* Computed into a fresh map first: out may be one of the operands. */
    uint8_t *map = lc_calloc(size, 1);

    for (uint32_t i = 0; i < size; i++) {
        uint8_t s = i < small->size ? small->map[i] : 0;

        map[i] = is_or ? (uint8_t)(s | big->map[i])
                       : (uint8_t)(s & big->map[i]);
    }
    out->map = map;
    out->size = size;
    return 0;
}

int libxl_bitmap_or(libxl_ctx *ctx, libxl_bitmap *or_map,
                    const libxl_bitmap *map1, const libxl_bitmap *map2)
{
    return combine(ctx, or_map, map1, map2, true);
}

int libxl_bitmap_and(libxl_ctx *ctx, libxl_bitmap *and_map,
                     const libxl_bitmap *map1, const libxl_bitmap *map2)
{
    return combine(ctx, and_map, map1, map2, false);
}

char *libxl_bitmap_to_hex_string(libxl_ctx *ctx, const libxl_bitmap *bitmap)
{
    static const char digits[] = "0123456789abcdef";
    char *text = lc_calloc((size_t)bitmap->size * 2 + 3, 1);
    char *p = text;

    (void)ctx;
    *p++ = '0';
    *p++ = 'x';
    /* The highest byte first. */
    for (uint32_t i = bitmap->size; i-- > 0;) {
        *p++ = digits[bitmap->map[i] >> 4];
        *p++ = digits[bitmap->map[i] & 15];
    }
    *p = '\0';
    return text;
}

/* ------------------------------------------------------------ JSON */

/* An array of the indexes of the set bits, lowest first. */
yajl_gen_status libxl_bitmap_gen_json(yajl_gen hand, libxl_bitmap *p)
{
    yajl_gen_status s;

    LC_YAJL(s, yajl_gen_array_open(hand));
    for (uint64_t i = 0; i < (uint64_t)p->size * 8; i++) {
        if (p->map[i / 8] & (1u << (i % 8)))
            LC_YAJL(s, yajl_gen_integer(hand, (long long)i));
    }
    return yajl_gen_array_close(hand);
}

void lc_bitmap_write_json(lc_jw *w, const libxl_bitmap *p)
{
    lc_jw_array_open(w);
    for (uint64_t i = 0; i < (uint64_t)p->size * 8; i++) {
        if (p->map[i / 8] & (1u << (i % 8)))
            lc_jw_int(w, (long long)i);
    }
    lc_jw_array_close(w);
}

/* ------------------------------------------------------------ builtin */

void lc_bitmap_init(libxl_bitmap *p)
{
    libxl_bitmap_init(p);
}

void lc_bitmap_dispose(libxl_bitmap *p)
{
    libxl_bitmap_dispose(p);
}

void lc_bitmap_copy(libxl_ctx *ctx, libxl_bitmap *dst, const libxl_bitmap *src)
{
    libxl_bitmap_copy_alloc(ctx, dst, src);
}

bool lc_bitmap_is_default(const libxl_bitmap *p)
{
    return libxl_bitmap_is_empty(p);
}

/*
 * libxl sizes the map by the last index and sets every listed bit. It
 * silently drops an earlier index larger than the last, and a huge or
 * negative last index makes it allocate without bound or abort; lightcore
 * fails those with ERROR_FAIL instead (as it does anything not an integer).
 */
int lc_bitmap_parse_json(json_object *v, libxl_bitmap *p)
{
    size_t n;
    long long last, bit;

    if (!json_object_is_type(v, json_type_array))
        return ERROR_FAIL;
    n = json_object_array_length(v);
    if (!n) {
        libxl_bitmap_init(p);
        return 0;
    }
    if (lc_json_get_sint(json_object_array_get_idx(v, n - 1), 0,
                         LC_BITMAP_JSON_MAX_BIT, &last))
        return ERROR_FAIL;
    for (size_t i = 0; i < n; i++) {
        if (lc_json_get_sint(json_object_array_get_idx(v, i), 0, last,
                             &bit))
            return ERROR_FAIL;
    }
    libxl_bitmap_alloc(NULL, p, (int)last + 1);
    for (size_t i = 0; i < n; i++) {
        lc_json_get_sint(json_object_array_get_idx(v, i), 0, last, &bit);
        libxl_bitmap_set(p, (int)bit);
    }
    return 0;
}
