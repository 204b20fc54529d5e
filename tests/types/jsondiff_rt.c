/*
 * jsondiff_rt.c: the hand-written runtime of the JSON differential test
 * and its fuzzers: the seeded PRNG, random values of the builtin types and
 * their comparisons, and the ctx handed to the library.
 *
 * Debian's libxenlight needs a ctx for from_json (it logs through it and
 * allocates through its "no-gc" allocator) but cannot allocate one without
 * a hypervisor. Its from_json, to_json, copy and dispose touch only the
 * ctx's first members (the logger, then the no-gc allocator record after
 * two handles), so a zeroed block with those set stands in. lightcore's
 * type functions accept ctx == NULL and get that.
 */
#include <stdio.h>
#include <string.h>

#include "jsondiff.h"
/* Debian's libxl_json.h takes yajl 2's spelling only when told the
   version header exists. */
#define HAVE_YAJL_YAJL_VERSION_H 1
#include <libxl_json.h>

#ifdef JD_DEBIAN
#include <xentoollog.h>
#endif

libxl_ctx *jd_ctx;

void jd_setup(void)
{
#ifdef JD_DEBIAN
    /* The leading members of libxl 4.17's struct libxl__ctx. */
    struct fake_ctx {
        xentoollog_logger *lg;
        void *xch, *xsh;
        struct {
            int alloc_maxsize;   /* -1: allocations are not tracked */
            void **alloc_ptrs;
            void *owner;
        } nogc;
        char rest[16384];
    };
    static struct fake_ctx fake;
    const char *v = getenv("JD_VERBOSE");

    fake.lg = (xentoollog_logger *)xtl_createlogger_stdiostream(
        stderr, v && *v ? XTL_DEBUG : XTL_CRITICAL, 0);
    fake.nogc.alloc_maxsize = -1;
    fake.nogc.owner = &fake;
    jd_ctx = (libxl_ctx *)&fake;
#else
    jd_ctx = NULL;
#endif
}

/* ------------------------------------------------------------ yajl */

char *jd_yajl_text(yajl_gen_status (*fn)(yajl_gen, void *), void *p)
{
    yajl_gen g = libxl_yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    char *text = NULL;

    if (!g)
        return NULL;
    if (fn(g, p) == yajl_gen_status_ok &&
        yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        text = jd_calloc(1, len + 1);
        memcpy(text, buf, len);
    }
    yajl_gen_free(g);
    return text;
}

/* ------------------------------------------------------------ PRNG */

static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void jd_seed(jd_rng *r, uint64_t a, uint64_t b, uint64_t c)
{
    r->s = mix(mix(mix(a) ^ b) ^ c);
}

uint64_t jd_next(jd_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    return mix(r->s);
}

unsigned jd_below(jd_rng *r, unsigned n)
{
    return n ? (unsigned)(jd_next(r) % n) : 0;
}

uint64_t jd_number(jd_rng *r, int is_signed, int bits)
{
    uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t max = is_signed ? mask >> 1 : mask;
    uint64_t min = is_signed ? ~(mask >> 1) : 0; /* sign-extended */
    uint64_t v;
    unsigned mag;

    switch (jd_below(r, 12)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return max;
    case 3: return min;
    case 4: return max - 1;
    case 5: return is_signed ? min + 1 : 2;
    case 6: return is_signed ? ~0ull : max >> 1;
    default: break;
    }
    mag = 1 + jd_below(r, (unsigned)bits);
    v = jd_next(r) & (mag >= 64 ? ~0ull : (1ull << mag) - 1);
    if (is_signed) {
        v &= max;
        if (jd_below(r, 2))
            v = ~v; /* negative: -(v + 1) */
    }
    return v;
}

/* Pieces strings are made of: JSON's escapes, raw controls, DEL, slash,
   2-, 3- and 4-byte UTF-8. */
static const char *const pieces[] = {
    "a", "Z", "0", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t",
    "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
    "\xef\xbf\xbf", "\xed\x9f\xbf", "\\u0041", "{}", "[", ":", ",", "null",
};

char *jd_string(jd_rng *r)
{
    unsigned n, i;
    size_t len = 0;
    char *s;

    switch (jd_below(r, 6)) {
    case 0: return NULL;
    case 1: n = 0; break;
    default: n = 1 + jd_below(r, 24); break;
    }
    s = jd_calloc(n * 8 + 1, 1);
    for (i = 0; i < n; i++) {
        const char *p = pieces[jd_below(r, sizeof(pieces) / sizeof(pieces[0]))];
        memcpy(s + len, p, strlen(p));
        len += strlen(p);
    }
    s[len] = '\0';
    return s;
}

void *jd_calloc(size_t n, size_t size)
{
    void *p;

    if (!n)
        return NULL;
    p = calloc(n, size);
    if (!p) {
        perror("calloc");
        exit(2);
    }
    return p;
}

int jd_diff(const char *where, const char *path)
{
    printf("  differs: %s%s%s\n", where, *where ? "." : "", path);
    return 1;
}

/* ------------------------------------------------------------ builtins */

static int defbool_sign(const libxl_defbool *d)
{
    return (d->val > 0) - (d->val < 0);
}

void jd_fill_defbool(jd_rng *r, libxl_defbool *p)
{
    switch (jd_below(r, 3)) {
    case 0: libxl_defbool_unset(p); break;
    case 1: libxl_defbool_set(p, true); break;
    default: libxl_defbool_set(p, false); break;
    }
}

int jd_cmp_defbool(const libxl_defbool *a, const libxl_defbool *b)
{
    return defbool_sign(a) != defbool_sign(b);
}

void jd_fill_uuid(jd_rng *r, libxl_uuid *p)
{
    memset(p, 0, sizeof(*p));
    if (jd_below(r, 4))
        for (size_t i = 0; i < sizeof(p->uuid); i++)
            p->uuid[i] = (unsigned char)jd_next(r);
}

int jd_cmp_uuid(const libxl_uuid *a, const libxl_uuid *b)
{
    return memcmp(a->uuid, b->uuid, sizeof(a->uuid)) != 0;
}

int jd_cmp_string(char *const *a, char *const *b)
{
    if (!*a || !*b)
        return *a != *b;
    return strcmp(*a, *b) != 0;
}

void jd_fill_bitmap(jd_rng *r, libxl_bitmap *p)
{
    unsigned size = jd_below(r, 9);

    p->size = size;
    p->map = jd_calloc(size, 1);
    for (unsigned i = 0; i < size; i++)
        p->map[i] = jd_below(r, 3) ? 0 : (uint8_t)jd_next(r);
}

static int bit(const libxl_bitmap *b, unsigned i)
{
    return i / 8 < b->size && b->map && (b->map[i / 8] >> (i % 8)) & 1;
}

int jd_cmp_bitmap(const libxl_bitmap *a, const libxl_bitmap *b)
{
    unsigned n = (a->size > b->size ? a->size : b->size) * 8u;

    for (unsigned i = 0; i < n; i++)
        if (bit(a, i) != bit(b, i))
            return 1;
    return 0;
}

/* A string for a list: never NULL. */
static char *list_string(jd_rng *r)
{
    char *s = jd_string(r);

    if (!s)
        s = strdup("");
    return s;
}

void jd_fill_string_list(jd_rng *r, libxl_string_list *p)
{
    unsigned n;

    *p = NULL;
    if (!jd_below(r, 4))
        return;
    n = jd_below(r, JD_MAX_ARRAY + 1);
    *p = jd_calloc(n + 1, sizeof(char *));
    for (unsigned i = 0; i < n; i++)
        (*p)[i] = list_string(r);
}

static unsigned list_len(char *const *l, unsigned step)
{
    unsigned n = 0;

    while (l && l[n])
        n += step;
    return n;
}

int jd_cmp_string_list(const libxl_string_list *a, const libxl_string_list *b)
{
    unsigned n = list_len(*a, 1);

    if (n != list_len(*b, 1))
        return 1;
    for (unsigned i = 0; i < n; i++)
        if (strcmp((*a)[i], (*b)[i]))
            return 1;
    return 0;
}

void jd_fill_kvl(jd_rng *r, libxl_key_value_list *p)
{
    unsigned n;

    *p = NULL;
    if (!jd_below(r, 4))
        return;
    n = jd_below(r, JD_MAX_ARRAY + 1);
    *p = jd_calloc(2 * n + 1, sizeof(char *));
    for (unsigned i = 0; i < n; i++) {
        char *s = list_string(r);
        /* keys are made distinct: a JSON object holds each key once */
        char *key = jd_calloc(strlen(s) + 16, 1);

        snprintf(key, strlen(s) + 16, "%u%s", i, s);
        free(s);
        (*p)[2 * i] = key;
        (*p)[2 * i + 1] = jd_below(r, 3) ? list_string(r) : NULL;
    }
}

int jd_cmp_kvl(const libxl_key_value_list *a, const libxl_key_value_list *b)
{
    unsigned n = list_len(*a, 2);

    if (n != list_len(*b, 2))
        return 1;
    for (unsigned i = 0; i < n; i++) {
        if (jd_cmp_string(&(*a)[i], &(*b)[i]))
            return 1;
    }
    return 0;
}

void jd_fill_mac(jd_rng *r, libxl_mac *p)
{
    for (int i = 0; i < 6; i++)
        (*p)[i] = (uint8_t)jd_next(r);
}

int jd_cmp_mac(const libxl_mac *a, const libxl_mac *b)
{
    return memcmp(*a, *b, sizeof(*a)) != 0;
}

/* Only the four words libxl's JSON carries (it writes and reads no more);
   the other four stay 0, so a round trip can give the value back. */
void jd_fill_hwcap(jd_rng *r, libxl_hwcap *p)
{
    memset(*p, 0, sizeof(*p));
    for (int i = 0; i < 4; i++)
        (*p)[i] = (uint32_t)jd_number(r, 0, 32);
}

int jd_cmp_hwcap(const libxl_hwcap *a, const libxl_hwcap *b)
{
    return memcmp(*a, *b, sizeof(*a)) != 0;
}

void jd_fill_genid(jd_rng *r, libxl_ms_vm_genid *p)
{
    for (size_t i = 0; i < sizeof(p->bytes); i++)
        p->bytes[i] = (uint8_t)jd_next(r);
}

int jd_cmp_genid(const libxl_ms_vm_genid *a, const libxl_ms_vm_genid *b)
{
    return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) != 0;
}

/* The policy is opaque: it is built with xl's cpuid= settings and
   compared through its JSON text. */
void jd_fill_cpuid(jd_rng *r, libxl_cpuid_policy_list *p)
{
    static const char *const settings[] = {
        "tm=0", "sse3=0", "avx512f=1", "x2apic=1", "family=6", "model=85",
        "stepping=4", "aes=k", "pae=s", "invtsc=x", "proccount=8",
        "0x00000001:ecx=x0xxxxxxxxxxxxxxxxxxxxxxxxxxxx1x",
    };
    unsigned n = jd_below(r, 4);

    *p = NULL;
    for (unsigned i = 0; i < n; i++)
        libxl_cpuid_parse_config(p, settings[jd_below(r, sizeof(settings) /
                                                          sizeof(settings[0]))]);
}

static char *cpuid_text(const libxl_cpuid_policy_list *p)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    char *text = NULL;

    if (!g)
        return NULL;
    if (libxl_cpuid_policy_list_gen_json(g, (libxl_cpuid_policy_list *)p) ==
            yajl_gen_status_ok &&
        yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        text = jd_calloc(len + 1, 1);
        memcpy(text, buf, len);
    }
    yajl_gen_free(g);
    return text;
}

int jd_cmp_cpuid(const libxl_cpuid_policy_list *a,
                 const libxl_cpuid_policy_list *b)
{
    char *ta = cpuid_text(a), *tb = cpuid_text(b);
    int d = !ta || !tb || strcmp(ta, tb);

    free(ta);
    free(tb);
    return d;
}

/* ------------------------------------------------------------ samples */

void *jd_sample(const jd_type *t, int ti, uint64_t seed, int i)
{
    jd_rng r;
    void *p = t->alloc();

    jd_seed(&r, seed, (uint64_t)ti, (uint64_t)i);
    t->fill(p, &r, i);
    return p;
}
