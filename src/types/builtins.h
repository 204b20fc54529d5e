/*
 * types/builtins.h: the uniform internal interface of the hand-written
 * builtin types, through which the generated type code (gentypes.py) handles
 * a member of builtin type X without knowing how X is built.
 *
 * For each X in bitmap, string_list, key_value_list, mac, hwcap,
 * ms_vm_genid, cpuid_policy_list, uuid, defbool:
 *   lc_X_init(p)            the initial (default) value
 *   lc_X_dispose(p)         frees what *p owns, leaves the initial value
 *   lc_X_copy(ctx, d, s)    deep copy into an initialised *d holding nothing
 *                           (aborts on allocation failure, as libxl does)
 *   lc_X_is_default(p)      true while *p is its initial value
 *   lc_X_parse_json(v, p)   JSON value v (json-c; never NULL: JSON null is
 *                           handled by the caller) into an initialised *p;
 *                           0, or a negative libxl error code with *p left
 *                           holding nothing that needs disposing
 *   lc_X_write_json(w, p)   *p's JSON text through the writer of
 *                           to_json (types/json_write.h): the same bytes
 *                           as the public libxl_X_gen_json(yajl_gen,
 *                           libxl_X *) of libxl_json.h writes into yajl
 * The implementations live in the builtin's own file under src/types/.
 */
#ifndef LIGHTCORE_TYPES_BUILTINS_H
#define LIGHTCORE_TYPES_BUILTINS_H

#include <stdbool.h>
#include <json-c/json.h>

#include <libxl.h>
#include "types/json_write.h"

#define LC_BUILTIN_DECLARE(X)                                             \
    void lc_##X##_init(libxl_##X *p);                                     \
    void lc_##X##_dispose(libxl_##X *p);                                  \
    void lc_##X##_copy(libxl_ctx *ctx, libxl_##X *dst,                    \
                       const libxl_##X *src);                             \
    bool lc_##X##_is_default(const libxl_##X *p);                         \
    int lc_##X##_parse_json(json_object *v, libxl_##X *p);                \
    void lc_##X##_write_json(lc_jw *w, const libxl_##X *p)

LC_BUILTIN_DECLARE(bitmap);
LC_BUILTIN_DECLARE(string_list);
LC_BUILTIN_DECLARE(key_value_list);
LC_BUILTIN_DECLARE(mac);
LC_BUILTIN_DECLARE(hwcap);
LC_BUILTIN_DECLARE(ms_vm_genid);
LC_BUILTIN_DECLARE(cpuid_policy_list);
LC_BUILTIN_DECLARE(uuid);
LC_BUILTIN_DECLARE(defbool);

#endif /* LIGHTCORE_TYPES_BUILTINS_H */
