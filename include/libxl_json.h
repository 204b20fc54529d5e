/*
 * libxl_json.h: writing libxl values as JSON into the caller's own yajl
 * generator, as libxenlight 4.17 declares it.
 *
 * Include after libxl.h. Every libxl_<type>_gen_json(hand, p) appends the
 * JSON form of *p to hand, exactly the text libxl_<type>_to_json returns
 * when hand is beautified (libxl_yajl_gen_alloc), and returns yajl's
 * status: yajl_gen_status_ok, or the first error yajl reported (the value
 * is then partly written). They never change *p. The generated
 * _libxl_types_json.h, included below, declares the function of every
 * enumeration and structure; the hand-written types are declared here.
 *
 * These functions are the library's only use of yajl; parsing
 * (libxl_<type>_from_json) does not need it.
 */
#ifndef LIBXL_JSON_H
#define LIBXL_JSON_H

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_version.h>

#ifdef __cplusplus
extern "C" {
#endif

yajl_gen_status libxl_defbool_gen_json(yajl_gen hand, libxl_defbool *p);
yajl_gen_status libxl_uuid_gen_json(yajl_gen hand, libxl_uuid *p);
yajl_gen_status libxl_mac_gen_json(yajl_gen hand, libxl_mac *p);
yajl_gen_status libxl_bitmap_gen_json(yajl_gen hand, libxl_bitmap *p);
yajl_gen_status libxl_cpuid_policy_list_gen_json(yajl_gen hand,
                                                 libxl_cpuid_policy_list *p);
yajl_gen_status libxl_string_list_gen_json(yajl_gen hand,
                                           libxl_string_list *p);
yajl_gen_status libxl_key_value_list_gen_json(yajl_gen hand,
                                              libxl_key_value_list *p);
yajl_gen_status libxl_hwcap_gen_json(yajl_gen hand, libxl_hwcap *p);
yajl_gen_status libxl_ms_vm_genid_gen_json(yajl_gen hand,
                                           libxl_ms_vm_genid *p);

#ifdef __cplusplus
}
#endif

#include <_libxl_types_json.h>

/* libxl 4.17 is built on yajl 2; these follow its spelling. */
#if defined(YAJL_MAJOR) && (YAJL_MAJOR > 1)
#  define HAVE_YAJL_V2 1
#endif

typedef size_t libxl_yajl_length;

/*
 * A generator configured as libxl writes JSON: beautified, four spaces
 * of indentation. NULL if yajl cannot allocate one.
 */
static inline yajl_gen libxl_yajl_gen_alloc(const yajl_alloc_funcs *funcs)
{
    yajl_gen gen = yajl_gen_alloc(funcs);

    if (gen)
        yajl_gen_config(gen, yajl_gen_beautify, 1);
    return gen;
}

#endif /* LIBXL_JSON_H */
