/*
 * types/cpuid_config.c: xl's cpuid= syntax into a libxl_cpuid_policy_list,
 * as libxl 4.17 reads it: libxl_cpuid_parse_config (one "name=value", a
 * named field or feature flag) and libxl_cpuid_parse_config_xend (xend's
 * "leaf[,subleaf]:eax=<32 chars>,..." register strings). Each call edits
 * the policy in place; applying it to a guest is not this file's job.
 *
 * A register's policy is 32 characters, bit 31 first: '0' / '1' force the
 * bit, 'x' leaves the default, 'k' (or its old spelling 's') takes the
 * host's. An MSR's policy is 64 characters, bit 63 first.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "types/builtin_impl.h"
#include "types/cpuid_policy.h"
#include "types/types_internal.h"

/* Registers, as an index into xc_xend_cpuid's policy[]. */
enum { EAX, EBX, ECX, EDX };

/* libxl_cpuid_parse_config's results besides 0. */
#define CONFIG_NO_EQUALS    1
#define CONFIG_UNKNOWN_NAME 2
#define CONFIG_BAD_VALUE    3

/* ------------------------------------------------------------ the tables */

/*
 * Named fields and flags that libxl knows by its own names (searched
 * first): a field of `width` bits starting at bit `lsb` of a register of
 * leaf/subleaf. "family" and "model" are split across two places in leaf
 * 1's eax; set_field() knows how.
 */
typedef struct {
    const char *name;
    uint32_t leaf, subleaf;
    uint8_t reg, lsb, width;
} named_field;

#define NOSUB LC_CPUID_UNUSED
static const named_field named_fields[] = {
    /* name            leaf        subleaf reg  lsb width */
    { "maxleaf",       0x00000000, NOSUB, EAX,  0, 32 },
    { "stepping",      0x00000001, NOSUB, EAX,  0,  4 },
    { "model",         0x00000001, NOSUB, EAX,  4,  8 },
    { "family",        0x00000001, NOSUB, EAX,  8,  8 },
    { "brandid",       0x00000001, NOSUB, EBX,  0,  8 },
    { "clflush",       0x00000001, NOSUB, EBX,  8,  8 },
    { "proccount",     0x00000001, NOSUB, EBX, 16,  8 },
    { "localapicid",   0x00000001, NOSUB, EBX, 24,  8 },
    { "est",           0x00000001, NOSUB, ECX,  7,  1 },
    { "cntxid",        0x00000001, NOSUB, ECX, 10,  1 },
    { "cmpxchg16",     0x00000001, NOSUB, ECX, 13,  1 },
    { "sse4_1",        0x00000001, NOSUB, ECX, 19,  1 },
    { "sse4.1",        0x00000001, NOSUB, ECX, 19,  1 },
    { "sse4_2",        0x00000001, NOSUB, ECX, 20,  1 },
    { "sse4.2",        0x00000001, NOSUB, ECX, 20,  1 },
    { "aes",           0x00000001, NOSUB, ECX, 25,  1 },
    { "cmpxchg8",      0x00000001, NOSUB, EDX,  8,  1 },
    { "sysenter",      0x00000001, NOSUB, EDX, 11,  1 },
    { "psn",           0x00000001, NOSUB, EDX, 18,  1 },
    { "clfsh",         0x00000001, NOSUB, EDX, 19,  1 },
    { "tm",            0x00000001, NOSUB, EDX, 29,  1 },
    { "ia64",          0x00000001, NOSUB, EDX, 30,  1 },
    { "pbe",           0x00000001, NOSUB, EDX, 31,  1 },
    { "arat",          0x00000006, NOSUB, EAX,  2,  1 },
    { "tsc_adjust",    0x00000007,     0, EBX,  1,  1 },
    { "cmt",           0x00000007,     0, EBX, 12,  1 },
    { "lahfsahf",      0x80000001, NOSUB, ECX,  0,  1 },
    { "cmplegacy",     0x80000001, NOSUB, ECX,  1,  1 },
    { "altmovcr8",     0x80000001, NOSUB, ECX,  4,  1 },
    { "nodeid",        0x80000001, NOSUB, ECX, 19,  1 },
    { "perfctr_core",  0x80000001, NOSUB, ECX, 23,  1 },
    { "perfctr_nb",    0x80000001, NOSUB, ECX, 24,  1 },
    { "procpkg",       0x00000004,     0, EAX, 26,  6 },
    { "invtsc",        0x80000007, NOSUB, EDX,  8,  1 },
    { "ppin",          0x80000008, NOSUB, EBX, 23,  1 },
    { "btc-no",        0x80000008, NOSUB, EBX, 29,  1 },
    { "nc",            0x80000008, NOSUB, ECX,  0,  8 },
    { "apicidsize",    0x80000008, NOSUB, ECX, 12,  4 },
    { "svm_npt",       0x8000000a, NOSUB, EDX,  0,  1 },
    { "svm_lbrv",      0x8000000a, NOSUB, EDX,  1,  1 },
    { "svm_nrips",     0x8000000a, NOSUB, EDX,  3,  1 },
    { "svm_tscrate",   0x8000000a, NOSUB, EDX,  4,  1 },
    { "svm_vmcbclean", 0x8000000a, NOSUB, EDX,  5,  1 },
    { "svm_decode",    0x8000000a, NOSUB, EDX,  7,  1 },
    { "svm_pausefilt", 0x8000000a, NOSUB, EDX, 10,  1 },
    { "lfence+",       0x80000021, NOSUB, EAX,  2,  1 },
    { "maxhvleaf",     0x40000000, NOSUB, EAX,  0,  8 },
};

/*
 * Where each 32-bit word of Xen's feature set lives: a CPUID register, or
 * half of an MSR (words 16 and 17 are MSR_ARCH_CAPS's low and high
 * halves). The index is the word number of Xen's public
 * <xen/arch-x86/cpufeatureset.h>.
 */
typedef struct {
    bool msr;
    uint32_t leaf, subleaf;     /* or the MSR's index */
    uint8_t reg;                /* or, for an MSR, 32 for its high half */
} feature_word;

static const feature_word feature_words[] = {
    [0]  = { false, 0x00000001, NOSUB, EDX },
    [1]  = { false, 0x00000001, NOSUB, ECX },
    [2]  = { false, 0x80000001, NOSUB, EDX },
    [3]  = { false, 0x80000001, NOSUB, ECX },
    [4]  = { false, 0x0000000d,     1, EAX },
    [5]  = { false, 0x00000007,     0, EBX },
    [6]  = { false, 0x00000007,     0, ECX },
    [7]  = { false, 0x80000007, NOSUB, EDX },
    [8]  = { false, 0x80000008, NOSUB, EBX },
    [9]  = { false, 0x00000007,     0, EDX },
    [10] = { false, 0x00000007,     1, EAX },
    [11] = { false, 0x80000021, NOSUB, EAX },
    [12] = { false, 0x00000007,     1, EBX },
    [13] = { false, 0x00000007,     2, EDX },
    [14] = { false, 0x00000007,     1, ECX },
    [15] = { false, 0x00000007,     1, EDX },
    [16] = { true,  0x0000010a,     0, 0 },
    [17] = { true,  0x0000010a,     0, 32 },
    [18] = { false, 0x80000021, NOSUB, ECX },
};
#define NR_FEATURE_WORDS (sizeof(feature_words) / sizeof(feature_words[0]))

/*
 * Xen's feature flags, from its public header: the name as Xen spells it
 * (FOO_BAR, known to xl as "foo-bar") and its bit in the feature set. A
 * flag in a word missing from feature_words fails the build.
 */
typedef struct {
    const char *name;
    unsigned int bit;
} feature_flag;

#define XEN_CPUFEATURE(name, value)                                        \
    { #name, (value) + 0 * sizeof(char[(value) / 32 < NR_FEATURE_WORDS      \
                                        ? 1 : -1]) },
static const feature_flag feature_flags[] = {
#include <xen/arch-x86/cpufeatureset.h>
};
#undef XEN_CPUFEATURE

/* Whether name is flag's xl name: lower case, '_' written '-'. */
static bool flag_is_named(const feature_flag *flag, const char *name)
{
    const char *f = flag->name;

    for (; *f && *name; f++, name++) {
        char want = *f == '_' ? '-' : (char)tolower((unsigned char)*f);

        if (*name != want)
            return false;
    }
    return !*f && !*name;
}

/* ------------------------------------------------------------ the policy */

/* The entry for leaf/subleaf, appended (with no register set) if there is
   none yet. */
static struct xc_xend_cpuid *leaf_entry(libxl_cpuid_policy_list *pl,
                                        uint32_t leaf, uint32_t subleaf)
{
    struct libxl__cpu_policy *pol = *pl;
    struct xc_xend_cpuid *list;
    size_t n = 0;

    if (!pol)
        pol = *pl = lc_calloc(1, sizeof(*pol));
    for (; pol->cpuid && pol->cpuid[n].input[0] != LC_CPUID_UNUSED; n++)
        if (pol->cpuid[n].input[0] == leaf && pol->cpuid[n].input[1] == subleaf)
            return &pol->cpuid[n];
    list = lc_realloc(pol->cpuid, (n + 2) * sizeof(*list));
    memset(&list[n], 0, 2 * sizeof(*list));
    list[n].input[0] = leaf;
    list[n].input[1] = subleaf;
    list[n + 1].input[0] = list[n + 1].input[1] = LC_CPUID_UNUSED;
    pol->cpuid = list;
    return &list[n];
}

/* The entry for MSR index, appended (all 'x') if there is none yet. */
static struct xc_msr *msr_entry(libxl_cpuid_policy_list *pl, uint32_t index)
{
    struct libxl__cpu_policy *pol = *pl;
    struct xc_msr *list;
    size_t n = 0;

    if (!pol)
        pol = *pl = lc_calloc(1, sizeof(*pol));
    for (; pol->msr && pol->msr[n].index != XC_MSR_INPUT_UNUSED; n++)
        if (pol->msr[n].index == index)
            return &pol->msr[n];
    list = lc_realloc(pol->msr, (n + 2) * sizeof(*list));
    memset(&list[n], 0, 2 * sizeof(*list));
    list[n].index = index;
    memset(list[n].policy, 'x', LC_MSR_CHARS);
    list[n + 1].index = XC_MSR_INPUT_UNUSED;
    pol->msr = list;
    return &list[n];
}

/* The register's policy string, created all 'x' if unset. */
static char *reg_policy(struct xc_xend_cpuid *e, int reg)
{
    if (!e->policy[reg])
        e->policy[reg] = lc_strdup("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    return e->policy[reg];
}

/*
 * Writes value into field f. value is a number (strtoul, any base, what
 * follows the digits ignored; the field takes its low bits) or starts with
 * 'x', 'k' or 's' (every bit of the field gets that character); anything
 * else is CONFIG_BAD_VALUE, though the leaf's entry has been created by
 * then, as in libxl.
 */
static int set_field(libxl_cpuid_policy_list *pl, const named_field *f,
                     const char *value)
{
    struct xc_xend_cpuid *e = leaf_entry(pl, f->leaf, f->subleaf);
    char bits[33];              /* the field's characters, MSB first */
    unsigned long num;
    char *end;
    char *reg;

    num = strtoul(value, &end, 0);
    if (end != value) {
        for (int i = 0; i < f->width; i++)
            bits[f->width - 1 - i] = ((num >> i) & 1) ? '1' : '0';
    } else if (value[0] == 'x' || value[0] == 'k' || value[0] == 's') {
        memset(bits, value[0], f->width);
    } else {
        return CONFIG_BAD_VALUE;
    }
    bits[f->width] = '\0';
    reg = reg_policy(e, f->reg);

    /* Character c of a policy string is bit 31 - c. */
    if (!strcmp(f->name, "family")) {
        /* Family is bits 11..8; a family of 16 or more is 15 there plus
           the rest in the extended family, bits 27..20. */
        if (num < 16) {
            memcpy(reg + 31 - 11, bits + 4, 4);
            memcpy(reg + 31 - 27, "00000000", 8);
        } else {
            unsigned long ext = num - 15;

            memcpy(reg + 31 - 11, "1111", 4);
            /* libxl keeps bits[0] (bit 7 of the value) as the extended
               family's top bit, then writes the low 7 bits of ext. */
            for (int i = 0; i < 7; i++)
                bits[7 - i] = ((ext >> i) & 1) ? '1' : '0';
            memcpy(reg + 31 - 27, bits, 8);
        }
    } else if (!strcmp(f->name, "model")) {
        /* The high nibble is the extended model (bits 19..16), the low
           one the model (bits 7..4). */
        memcpy(reg + 31 - 19, bits, 4);
        memcpy(reg + 31 - 7, bits + 4, 4);
    } else {
        memcpy(reg + 32 - f->width - f->lsb, bits, f->width);
    }
    return 0;
}

/* An MSR bit takes one character only: 0, 1, x, k or s (stored as k). The
   MSR's entry has been created even when the value is refused. */
static int set_msr_bit(libxl_cpuid_policy_list *pl, uint32_t index,
                       unsigned int bit, const char *value)
{
    struct xc_msr *e = msr_entry(pl, index);

    if (strlen(value) != 1)
        return CONFIG_BAD_VALUE;
    switch (value[0]) {
    case '0': case '1': case 'x': case 'k':
        e->policy[63 - bit] = value[0];
        return 0;
    case 's':
        e->policy[63 - bit] = 'k';
        return 0;
    default:
        return CONFIG_BAD_VALUE;
    }
}

/* ------------------------------------------------------------ public */

/*
 * "name=value": 0; 1 if there is no '='; 2 if name is neither one of
 * named_fields nor a Xen feature flag; 3 if value is not valid for it.
 * Later settings override earlier ones.
 */
int libxl_cpuid_parse_config(libxl_cpuid_policy_list *cpuid, const char *str)
{
    const char *eq = str ? strchr(str, '=') : NULL;
    size_t len;

    if (!eq)
        return CONFIG_NO_EQUALS;
    len = (size_t)(eq - str);
    for (size_t i = 0; i < sizeof(named_fields) / sizeof(named_fields[0]); i++)
        if (!strncmp(str, named_fields[i].name, len) &&
            named_fields[i].name[len] == '\0')
            return set_field(cpuid, &named_fields[i], eq + 1);

    char *name = lc_calloc(len + 1, 1);

    memcpy(name, str, len);
    for (size_t i = 0; i < sizeof(feature_flags) / sizeof(feature_flags[0]);
         i++) {
        const feature_flag *flag = &feature_flags[i];
        const feature_word *w = &feature_words[flag->bit / 32];

        if (!flag_is_named(flag, name))
            continue;
        free(name);
        if (w->msr)
            return set_msr_bit(cpuid, w->leaf, w->reg + flag->bit % 32, eq + 1);

        named_field f = {
            .name = flag->name, .leaf = w->leaf, .subleaf = w->subleaf,
            .reg = w->reg, .lsb = (uint8_t)(flag->bit % 32), .width = 1,
        };
        return set_field(cpuid, &f, eq + 1);
    }
    free(name);
    return CONFIG_UNKNOWN_NAME;
}

/* A number as strtoul reads it (base prefixes, sign, leading blanks): the
   value and where it ends, or NULL if there is none. */
static const char *read_number(const char *s, unsigned long *out)
{
    char *end;

    *out = strtoul(s, &end, 0);
    return end == s ? NULL : end;
}

/*
 * "leaf[,subleaf]:reg=<32 chars>[,reg=<32 chars>]...", reg one of eax ebx
 * ecx edx (libxl checks only its 'e', second letter and 'x'); blanks and
 * newlines may follow each comma. Returns 0; 1 for a bad leaf, 2 for a bad
 * subleaf, 3 if no ':' follows them, 4 for a bad register name, 5 for a
 * register string not 32 characters long. The leaf's entry is created
 * once the ':' is seen, and registers before a bad one are kept, as in
 * libxl. libxl truncates a leaf or subleaf to 32 bits (and a leaf of
 * 0xffffffff, its end marker, corrupts its list); lightcore refuses them
 * with 1 or 2. It also reads past the end of "...:e".
 */
int libxl_cpuid_parse_config_xend(libxl_cpuid_policy_list *cpuid,
                                  const char *str)
{
    unsigned long leaf, subleaf = LC_CPUID_UNUSED;
    const char *p;
    struct xc_xend_cpuid *e;

    if (!str || !(p = read_number(str, &leaf)) || leaf >= LC_CPUID_UNUSED)
        return 1;
    if (*p == ',') {
        p = read_number(p + 1, &subleaf);
        if (!p || subleaf > LC_CPUID_UNUSED)
            return 2;
    }
    if (*p != ':')
        return 3;
    e = leaf_entry(cpuid, (uint32_t)leaf, (uint32_t)subleaf);

    for (p++; *p;) {
        const char *value, *end;
        int reg;

        if (p[0] != 'e' || !p[1] || p[2] != 'x' || p[1] < 'a' || p[1] > 'd')
            return 4;
        reg = p[1] - 'a';
        value = strchr(p, '=');
        if (!value)
            return 4;
        value++;
        end = strchr(value, ',');
        if (!end)
            end = value + strlen(value);
        if (end - value != LC_CPUID_REG_CHARS)
            return 5;
        free(e->policy[reg]);
        e->policy[reg] = lc_calloc(LC_CPUID_REG_CHARS + 1, 1);
        memcpy(e->policy[reg], value, LC_CPUID_REG_CHARS);
        if (!*end)
            break;
        for (p = end + 1; *p == ' ' || *p == '\n'; p++)
            ;
    }
    return 0;
}
