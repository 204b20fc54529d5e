/*
 * types/builtin_impl.h: what the files of the builtin types share, and
 * nothing the generated code needs (that is types/builtins.h). The JSON
 * writers are declared here with the prototypes libxl_json.h gives them
 * (a compatible redeclaration) and exported, so the builtin files build
 * whether or not the generated _libxl_types_json.h that libxl_json.h
 * includes exists yet.
 */
#ifndef LIGHTCORE_TYPES_BUILTIN_IMPL_H
#define LIGHTCORE_TYPES_BUILTIN_IMPL_H

#include <stddef.h>
#include <yajl/yajl_gen.h>
#include <json-c/json.h>

#include <libxl.h>

#define LC_JSON_EXPORT __attribute__((visibility("default")))

LC_JSON_EXPORT yajl_gen_status libxl_defbool_gen_json(yajl_gen hand,
                                                      libxl_defbool *p);
LC_JSON_EXPORT yajl_gen_status libxl_uuid_gen_json(yajl_gen hand,
                                                   libxl_uuid *p);
LC_JSON_EXPORT yajl_gen_status libxl_mac_gen_json(yajl_gen hand,
                                                  libxl_mac *p);
LC_JSON_EXPORT yajl_gen_status libxl_bitmap_gen_json(yajl_gen hand,
                                                     libxl_bitmap *p);
LC_JSON_EXPORT yajl_gen_status
libxl_cpuid_policy_list_gen_json(yajl_gen hand, libxl_cpuid_policy_list *p);
LC_JSON_EXPORT yajl_gen_status
libxl_string_list_gen_json(yajl_gen hand, libxl_string_list *p);
LC_JSON_EXPORT yajl_gen_status
libxl_key_value_list_gen_json(yajl_gen hand, libxl_key_value_list *p);
LC_JSON_EXPORT yajl_gen_status libxl_hwcap_gen_json(yajl_gen hand,
                                                    libxl_hwcap *p);
LC_JSON_EXPORT yajl_gen_status
libxl_ms_vm_genid_gen_json(yajl_gen hand, libxl_ms_vm_genid *p);

/* Writes b as two lower-case hex digits at out; returns out + 2. */
static inline char *lc_hex_byte(char *out, unsigned char b)
{
    static const char hex[] = "0123456789abcdef";

    out[0] = hex[b >> 4];
    out[1] = hex[b & 15];
    return out + 2;
}

/* A C string as a JSON string; NULL as JSON null. */
yajl_gen_status lc_yajl_gen_cstring(yajl_gen hand, const char *s);

/* calloc that aborts when out of memory, as libxl's allocations do;
   n == 0 still returns a unique pointer. */
void *lc_calloc(size_t n, size_t size);
/* realloc that aborts when out of memory. */
void *lc_realloc(void *p, size_t size);

/*
 * The largest bit index a bitmap read from JSON may hold (2 MiB of map).
 * Xen's limits on CPUs and nodes are far below; libxl itself takes any
 * int and allocates as much as the last index asks.
 */
#define LC_BITMAP_JSON_MAX_BIT ((1 << 24) - 1)

/* Stops a writer at yajl's first error: `LC_YAJL(s, call)` runs call,
   stores its status in s and returns it unless it is ok. */
#define LC_YAJL(s, call)                                                  \
    do {                                                                  \
        (s) = (call);                                                     \
        if ((s) != yajl_gen_status_ok)                                    \
            return (s);                                                   \
    } while (0)

#endif /* LIGHTCORE_TYPES_BUILTIN_IMPL_H */
