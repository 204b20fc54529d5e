/*
 * types/genid.c: libxl_ms_vm_genid, Hyper-V's 16-byte VM generation id:
 * libxl 4.17's helpers (random generation, zero test, copy), JSON form and
 * the builtin interface of types/builtins.h. Setting it in a guest is an
 * operation's business, not this file's.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "types/builtin_impl.h"
#include "types/builtins.h"
#include "types/types_internal.h"
#include "base/log.h"

int libxl_ms_vm_genid_generate(libxl_ctx *ctx, libxl_ms_vm_genid *id)
{
    size_t got = 0;

    while (got < sizeof(id->bytes)) {
        ssize_t r = getrandom(id->bytes + got, sizeof(id->bytes) - got, 0);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            LOGE(ctx, ERROR, "cannot read random bytes for a VM generation id");
            return ERROR_FAIL;
        }
        got += (size_t)r;
    }
    return 0;
}

bool libxl_ms_vm_genid_is_zero(const libxl_ms_vm_genid *id)
{
    static const libxl_ms_vm_genid zero;

    return !memcmp(id->bytes, zero.bytes, sizeof(zero.bytes));
}

void libxl_ms_vm_genid_copy(libxl_ctx *ctx, libxl_ms_vm_genid *dst,
                            const libxl_ms_vm_genid *src)
{
    (void)ctx;
    memcpy(dst->bytes, src->bytes, sizeof(dst->bytes));
}

/* Sixteen integers, the bytes in order. */
yajl_gen_status libxl_ms_vm_genid_gen_json(yajl_gen hand,
                                           libxl_ms_vm_genid *p)
{
    yajl_gen_status s;

    LC_YAJL(s, yajl_gen_array_open(hand));
    for (int i = 0; i < LIBXL_MS_VM_GENID_LEN; i++)
        LC_YAJL(s, yajl_gen_integer(hand, p->bytes[i]));
    return yajl_gen_array_close(hand);
}

void lc_ms_vm_genid_write_json(lc_jw *w, const libxl_ms_vm_genid *p)
{
    lc_jw_array_open(w);
    for (int i = 0; i < LIBXL_MS_VM_GENID_LEN; i++)
        lc_jw_int(w, p->bytes[i]);
    lc_jw_array_close(w);
}

void lc_ms_vm_genid_init(libxl_ms_vm_genid *p)
{
    memset(p, 0, sizeof(*p));
}

void lc_ms_vm_genid_dispose(libxl_ms_vm_genid *p)
{
    lc_ms_vm_genid_init(p);
}

void lc_ms_vm_genid_copy(libxl_ctx *ctx, libxl_ms_vm_genid *dst,
                         const libxl_ms_vm_genid *src)
{
    libxl_ms_vm_genid_copy(ctx, dst, src);
}

bool lc_ms_vm_genid_is_default(const libxl_ms_vm_genid *p)
{
    return libxl_ms_vm_genid_is_zero(p);
}

/*
 * Exactly sixteen integers in [0, 255]. libxl stores each modulo 256 and
 * ignores elements past the sixteenth; lightcore rejects both (ERROR_FAIL,
 * as for anything else malformed).
 */
int lc_ms_vm_genid_parse_json(json_object *v, libxl_ms_vm_genid *p)
{
    size_t n;

    if (!json_object_is_type(v, json_type_array))
        return ERROR_FAIL;
    n = json_object_array_length(v);
    /* Byte by byte, as libxl: the bytes before a bad one are stored. */
    for (size_t i = 0; i < LIBXL_MS_VM_GENID_LEN; i++) {
        long long b;

        if (i >= n || lc_json_get_sint(json_object_array_get_idx(v, i), 0,
                                       255, &b))
            return ERROR_FAIL;
        p->bytes[i] = (uint8_t)b;
    }
    return n == LIBXL_MS_VM_GENID_LEN ? 0 : ERROR_FAIL;
}
