/*
 * types/hwcap.c: libxl_hwcap, the hypervisor's hardware capability words:
 * copy, JSON form and the builtin interface of types/builtins.h.
 */
#include <string.h>

#include "types/builtin_impl.h"
#include "types/builtins.h"
#include "types/types_internal.h"

/* libxl writes and reads the first four of the eight words only. */
#define HWCAP_JSON_WORDS 4
#define HWCAP_WORDS ((int)(sizeof(libxl_hwcap) / sizeof(uint32_t)))

void libxl_hwcap_copy(libxl_ctx *ctx, libxl_hwcap *dst, const libxl_hwcap *src)
{
    (void)ctx;
    memcpy(*dst, *src, sizeof(*dst));
}

yajl_gen_status libxl_hwcap_gen_json(yajl_gen hand, libxl_hwcap *p)
{
    yajl_gen_status s;

    LC_YAJL(s, yajl_gen_array_open(hand));
    for (int i = 0; i < HWCAP_JSON_WORDS; i++)
        LC_YAJL(s, yajl_gen_integer(hand, (*p)[i]));
    return yajl_gen_array_close(hand);
}

void lc_hwcap_write_json(lc_jw *w, const libxl_hwcap *p)
{
    lc_jw_array_open(w);
    for (int i = 0; i < HWCAP_JSON_WORDS; i++)
        lc_jw_int(w, (*p)[i]);
    lc_jw_array_close(w);
}

void lc_hwcap_init(libxl_hwcap *p)
{
    memset(*p, 0, sizeof(*p));
}

void lc_hwcap_dispose(libxl_hwcap *p)
{
    lc_hwcap_init(p);
}

void lc_hwcap_copy(libxl_ctx *ctx, libxl_hwcap *dst, const libxl_hwcap *src)
{
    libxl_hwcap_copy(ctx, dst, src);
}

/* As in libxl, a hwcap has no default value: it is always written. */
bool lc_hwcap_is_default(const libxl_hwcap *p)
{
    (void)p;
    return false;
}

/*
 * An array of at least four integers, the first four words. libxl ignores
 * whatever follows them and stores each word modulo 2^32; lightcore
 * rejects a word outside [0, 2^32), and takes further elements as the
 * following words (integers too, at most eight in all) rather than
 * dropping them unseen.
 */
int lc_hwcap_parse_json(json_object *v, libxl_hwcap *p)
{
    size_t n;

    if (!json_object_is_type(v, json_type_array))
        return ERROR_FAIL;
    n = json_object_array_length(v);
    if (n > HWCAP_WORDS)
        return ERROR_FAIL;
    /* Word by word, as libxl: the words before a bad one are stored. */
    for (size_t i = 0; i < n || i < HWCAP_JSON_WORDS; i++) {
        long long w;

        if (i >= n || lc_json_get_sint(json_object_array_get_idx(v, i), 0,
                                       UINT32_MAX, &w))
            return ERROR_FAIL;
        (*p)[i] = (uint32_t)w;
    }
    return 0;
}
