/*
 * types/cpuid.c: libxl_cpuid_policy_list, the CPUID and MSR policy built
 * for a guest (types/cpuid_policy.h): dispose, length, copy, JSON form and
 * the builtin interface of types/builtins.h. Parsing xl's cpuid= syntax is
 * types/cpuid_config.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "types/builtin_impl.h"
#include "types/builtins.h"
#include "types/cpuid_policy.h"
#include "types/types_internal.h"

static const char *const input_names[2] = { "leaf", "subleaf" };
static const char *const reg_names[4] = { "eax", "ebx", "ecx", "edx" };

/* ------------------------------------------------------------ public */

void libxl_cpuid_dispose(libxl_cpuid_policy_list *pl)
{
    struct libxl__cpu_policy *policy = *pl;

    if (!policy)
        return;
    if (policy->cpuid) {
        for (int i = 0; policy->cpuid[i].input[0] != LC_CPUID_UNUSED; i++)
            for (int j = 0; j < 4; j++)
                free(policy->cpuid[i].policy[j]);
        free(policy->cpuid);
    }
    free(policy->msr);
    free(policy);
    *pl = NULL;
}

/* The number of CPUID entries (MSR entries are not counted, as in libxl). */
int libxl_cpuid_policy_list_length(const libxl_cpuid_policy_list *pl)
{
    int n = 0;

    if (*pl && (*pl)->cpuid)
        while ((*pl)->cpuid[n].input[0] != LC_CPUID_UNUSED)
            n++;
    return n;
}

int lc_cpuid_policy_msr_count(const libxl_cpuid_policy_list *pl)
{
    int n = 0;

    if (*pl && (*pl)->msr)
        while ((*pl)->msr[n].index != XC_MSR_INPUT_UNUSED)
            n++;
    return n;
}

void libxl_cpuid_policy_list_copy(libxl_ctx *ctx,
                                  libxl_cpuid_policy_list *pdst,
                                  const libxl_cpuid_policy_list *psrc)
{
    const struct libxl__cpu_policy *src = *psrc;
    struct libxl__cpu_policy *dst;

    (void)ctx;
    if (!src) {
        *pdst = NULL;
        return;
    }
    dst = lc_calloc(1, sizeof(*dst));
    if (src->cpuid) {
        int n = libxl_cpuid_policy_list_length(psrc);

        dst->cpuid = lc_calloc((size_t)n + 1, sizeof(*dst->cpuid));
        for (int i = 0; i < n; i++) {
            dst->cpuid[i].input[0] = src->cpuid[i].input[0];
            dst->cpuid[i].input[1] = src->cpuid[i].input[1];
            for (int j = 0; j < 4; j++)
                dst->cpuid[i].policy[j] = lc_strdup(src->cpuid[i].policy[j]);
        }
        dst->cpuid[n].input[0] = dst->cpuid[n].input[1] = LC_CPUID_UNUSED;
    }
    if (src->msr) {
        int n = lc_cpuid_policy_msr_count(psrc);

        dst->msr = lc_calloc((size_t)n + 1, sizeof(*dst->msr));
        memcpy(dst->msr, src->msr, (size_t)n * sizeof(*dst->msr));
        dst->msr[n].index = XC_MSR_INPUT_UNUSED;
    }
    *pdst = dst;
}

/* ------------------------------------------------------------ JSON */

/*
 * {"cpuid": [{"leaf": L, "subleaf": S, "eax": "...", ...}, ...],
 *  "msr": [{"index": I, "policy": "..."}, ...]}: a subleaf or register is
 * left out when unused, and a register's policy is its 32 characters (an
 * MSR's its 64).
 */
yajl_gen_status libxl_cpuid_policy_list_gen_json(yajl_gen hand,
                                                 libxl_cpuid_policy_list *pl)
{
    const struct libxl__cpu_policy *policy = *pl;
    yajl_gen_status s;

    LC_YAJL(s, yajl_gen_map_open(hand));
    LC_YAJL(s, lc_yajl_gen_cstring(hand, "cpuid"));
    LC_YAJL(s, yajl_gen_array_open(hand));
    for (int i = 0; policy && policy->cpuid &&
                    policy->cpuid[i].input[0] != LC_CPUID_UNUSED; i++) {
        const struct xc_xend_cpuid *e = &policy->cpuid[i];

        LC_YAJL(s, yajl_gen_map_open(hand));
        for (int j = 0; j < 2; j++) {
            if (e->input[j] == LC_CPUID_UNUSED)
                continue;
            LC_YAJL(s, lc_yajl_gen_cstring(hand, input_names[j]));
            LC_YAJL(s, yajl_gen_integer(hand, e->input[j]));
        }
        for (int j = 0; j < 4; j++) {
            if (!e->policy[j])
                continue;
            LC_YAJL(s, lc_yajl_gen_cstring(hand, reg_names[j]));
            LC_YAJL(s, yajl_gen_string(hand,
                                       (const unsigned char *)e->policy[j],
                                       strnlen(e->policy[j],
                                               LC_CPUID_REG_CHARS)));
        }
        LC_YAJL(s, yajl_gen_map_close(hand));
    }
    LC_YAJL(s, yajl_gen_array_close(hand));
    LC_YAJL(s, lc_yajl_gen_cstring(hand, "msr"));
    LC_YAJL(s, yajl_gen_array_open(hand));
    for (int i = 0; policy && policy->msr &&
                    policy->msr[i].index != XC_MSR_INPUT_UNUSED; i++) {
        LC_YAJL(s, yajl_gen_map_open(hand));
        LC_YAJL(s, lc_yajl_gen_cstring(hand, "index"));
        LC_YAJL(s, yajl_gen_integer(hand, policy->msr[i].index));
        LC_YAJL(s, lc_yajl_gen_cstring(hand, "policy"));
        LC_YAJL(s, yajl_gen_string(hand,
                                   (const unsigned char *)policy->msr[i].policy,
                                   strnlen(policy->msr[i].policy,
                                           LC_MSR_CHARS)));
        LC_YAJL(s, yajl_gen_map_close(hand));
    }
    LC_YAJL(s, yajl_gen_array_close(hand));
    return yajl_gen_map_close(hand);
}

/* The same text through to_json's writer. */
void lc_cpuid_policy_list_write_json(lc_jw *w,
                                     const libxl_cpuid_policy_list *pl)
{
    const struct libxl__cpu_policy *policy = *pl;

    lc_jw_map_open(w);
    LC_JW_KEY(w, "cpuid");
    lc_jw_array_open(w);
    for (int i = 0; policy && policy->cpuid &&
                    policy->cpuid[i].input[0] != LC_CPUID_UNUSED; i++) {
        const struct xc_xend_cpuid *e = &policy->cpuid[i];

        lc_jw_map_open(w);
        for (int j = 0; j < 2; j++) {
            if (e->input[j] == LC_CPUID_UNUSED)
                continue;
            lc_jw_string(w, input_names[j]);
            lc_jw_int(w, e->input[j]);
        }
        for (int j = 0; j < 4; j++) {
            if (!e->policy[j])
                continue;
            lc_jw_string(w, reg_names[j]);
            lc_jw_string_n(w, e->policy[j],
                           strnlen(e->policy[j], LC_CPUID_REG_CHARS));
        }
        lc_jw_map_close(w);
    }
    lc_jw_array_close(w);
    LC_JW_KEY(w, "msr");
    lc_jw_array_open(w);
    for (int i = 0; policy && policy->msr &&
                    policy->msr[i].index != XC_MSR_INPUT_UNUSED; i++) {
        lc_jw_map_open(w);
        LC_JW_KEY(w, "index");
        lc_jw_int(w, policy->msr[i].index);
        LC_JW_KEY(w, "policy");
        lc_jw_string_n(w, policy->msr[i].policy,
                       strnlen(policy->msr[i].policy, LC_MSR_CHARS));
        lc_jw_map_close(w);
    }
    lc_jw_array_close(w);
    lc_jw_map_close(w);
}

/* ------------------------------------------------------------ builtin */

void lc_cpuid_policy_list_init(libxl_cpuid_policy_list *p)
{
    *p = NULL;
}

void lc_cpuid_policy_list_dispose(libxl_cpuid_policy_list *p)
{
    libxl_cpuid_dispose(p);
}

void lc_cpuid_policy_list_copy(libxl_ctx *ctx, libxl_cpuid_policy_list *dst,
                               const libxl_cpuid_policy_list *src)
{
    libxl_cpuid_policy_list_copy(ctx, dst, src);
}

bool lc_cpuid_policy_list_is_default(const libxl_cpuid_policy_list *p)
{
    return !*p || (!libxl_cpuid_policy_list_length(p) && !(*p)->msr);
}

/* member of o as a string of exactly len characters; NULL if absent or
   null. -1 if it is anything else. */
static int policy_string(json_object *o, const char *member, size_t len,
                         const char **out)
{
    json_object *v = NULL;

    *out = NULL;
    if (!json_object_object_get_ex(o, member, &v) || !v)
        return 0;
    if (!json_object_is_type(v, json_type_string) ||
        (size_t)json_object_get_string_len(v) != len ||
        strlen(json_object_get_string(v)) != len)
        return -1;
    *out = json_object_get_string(v);
    return 0;
}

/* member of o as an integer in [0, max]; dflt if absent or null and
   optional; -1 if it is anything else. */
static int policy_int(json_object *o, const char *member, bool optional,
                      long long max, uint32_t dflt, uint32_t *out)
{
    json_object *v = NULL;
    long long n;

    if (!json_object_object_get_ex(o, member, &v) || !v) {
        *out = dflt;
        return optional ? 0 : -1;
    }
    if (lc_json_get_sint(v, 0, max, &n))
        return -1;
    *out = (uint32_t)n;
    return 0;
}

static int parse_cpuid_entries(json_object *a, struct libxl__cpu_policy *pol)
{
    size_t n = json_object_array_length(a);

    if (!n)
        return 0;
    pol->cpuid = lc_calloc(n + 1, sizeof(*pol->cpuid));
    pol->cpuid[0].input[0] = LC_CPUID_UNUSED; /* nothing owned yet */
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        struct xc_xend_cpuid entry = { 0 };
        const char *regs[4];

        if (!json_object_is_type(e, json_type_object) ||
            policy_int(e, "leaf", false, LC_CPUID_UNUSED - 1, 0,
                       &entry.input[0]) ||
            policy_int(e, "subleaf", true, LC_CPUID_UNUSED, LC_CPUID_UNUSED,
                       &entry.input[1]))
            return ERROR_FAIL;
        for (int j = 0; j < 4; j++)
            if (policy_string(e, reg_names[j], LC_CPUID_REG_CHARS, &regs[j]))
                return ERROR_FAIL;
        for (int j = 0; j < 4; j++)
            entry.policy[j] = lc_strdup(regs[j]);
        pol->cpuid[i] = entry;
        pol->cpuid[i + 1].input[0] = pol->cpuid[i + 1].input[1] =
            LC_CPUID_UNUSED;
    }
    return 0;
}

static int parse_msr_entries(json_object *a, struct libxl__cpu_policy *pol)
{
    size_t n = json_object_array_length(a);

    if (!n)
        return 0;
    pol->msr = lc_calloc(n + 1, sizeof(*pol->msr));
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        const char *bits;

        if (!json_object_is_type(e, json_type_object) ||
            policy_int(e, "index", false, XC_MSR_INPUT_UNUSED - 1, 0,
                       &pol->msr[i].index) ||
            policy_string(e, "policy", LC_MSR_CHARS, &bits) || !bits)
            return ERROR_FAIL;
        memcpy(pol->msr[i].policy, bits, LC_MSR_CHARS + 1);
    }
    pol->msr[n].index = XC_MSR_INPUT_UNUSED;
    return 0;
}

/*
 * Two forms, as in libxl: the map that gen_json writes, or (written by
 * libxl before MSRs were added) the bare array of CPUID entries. libxl
 * takes a missing or non-integer leaf as the end marker (hiding every
 * later entry), a non-integer subleaf as "none", and keeps register
 * strings of any length (later read as 32 characters, past the end of a
 * shorter one); lightcore rejects all of those, and integers out of
 * 32-bit range, with ERROR_FAIL. An empty policy still allocates, as in
 * libxl.
 */
int lc_cpuid_policy_list_parse_json(json_object *v, libxl_cpuid_policy_list *p)
{
    struct libxl__cpu_policy *pol;
    json_object *cpuid = v, *msr = NULL;
    int rc;

    if (json_object_is_type(v, json_type_object)) {
        if (!json_object_object_get_ex(v, "cpuid", &cpuid) ||
            !json_object_is_type(cpuid, json_type_array) ||
            !json_object_object_get_ex(v, "msr", &msr) ||
            !json_object_is_type(msr, json_type_array))
            return ERROR_FAIL;
    } else if (!json_object_is_type(v, json_type_array)) {
        return ERROR_FAIL;
    }
    pol = lc_calloc(1, sizeof(*pol));
    rc = parse_cpuid_entries(cpuid, pol);
    if (!rc && msr)
        rc = parse_msr_entries(msr, pol);
    if (rc) {
        libxl_cpuid_dispose(&pol);
        return rc;
    }
    *p = pol;
    return 0;
}
