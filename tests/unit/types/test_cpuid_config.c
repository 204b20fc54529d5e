/*
 * test_cpuid_config.c: xl's cpuid= syntax (types/cpuid_config.c):
 * libxl_cpuid_parse_config's named fields, feature flags, MSR bits and
 * error returns; libxl_cpuid_parse_config_xend's register strings; and the
 * hostile inputs where lightcore deliberately refuses what libxl 4.17
 * mishandles (marked "libxl: ..."). Every name and many values are also
 * compared with Debian's library by types-builtin-cpuid-check.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include "types/cpuid_policy.h"
#include "testmain.h"

#define X32 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

/* The register string of leaf/subleaf, or NULL. */
static const char *reg(libxl_cpuid_policy_list p, uint32_t leaf,
                       uint32_t subleaf, int r)
{
    for (int i = 0; p && p->cpuid && p->cpuid[i].input[0] != LC_CPUID_UNUSED;
         i++)
        if (p->cpuid[i].input[0] == leaf && p->cpuid[i].input[1] == subleaf)
            return p->cpuid[i].policy[r];
    return NULL;
}

TEST(named_fields_and_flags, 30)
{
    libxl_cpuid_policy_list p = NULL;

    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "sse4_1=0"), 0);
    ck_assert_str_eq(reg(p, 1, LC_CPUID_UNUSED, 2),
                     "xxxxxxxxxxxx0xxxxxxxxxxxxxxxxxxx");
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "sse4.2=k"), 0);
    ck_assert_str_eq(reg(p, 1, LC_CPUID_UNUSED, 2),
                     "xxxxxxxxxxxk0xxxxxxxxxxxxxxxxxxx");
    /* a multi-bit field takes a number's low bits, MSB first */
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "proccount=0x1f3"), 0);
    ck_assert_str_eq(reg(p, 1, LC_CPUID_UNUSED, 1),
                     "xxxxxxxx11110011xxxxxxxxxxxxxxxx");
    /* Xen's feature flags by their xl names */
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "avx512f=1"), 0);
    ck_assert_str_eq(reg(p, 7, 0, 1), "xxxxxxxxxxxxxxx1xxxxxxxxxxxxxxxx");
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "lfence-dispatch=s"), 0);
    ck_assert_str_eq(reg(p, 0x80000021, LC_CPUID_UNUSED, 0),
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxsxx");
    ck_assert_int_eq(libxl_cpuid_policy_list_length(&p), 3);
    libxl_cpuid_dispose(&p);
}

TEST(family_and_model_are_split, 30)
{
    libxl_cpuid_policy_list p = NULL;

    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "family=6"), 0);
    ck_assert_str_eq(reg(p, 1, LC_CPUID_UNUSED, 0),
                     "xxxx00000000xxxxxxxx0110xxxxxxxx");
    /* 0x17 = 15 + 8: 1111 in the family, 8 in the extended family */
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "family=0x17"), 0);
    ck_assert_str_eq(reg(p, 1, LC_CPUID_UNUSED, 0),
                     "xxxx00001000xxxxxxxx1111xxxxxxxx");
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "model=0x5e"), 0);
    /* extended model 5 in bits 19..16, model e in bits 7..4 */
    ck_assert_str_eq(reg(p, 1, LC_CPUID_UNUSED, 0),
                     "xxxx000010000101xxxx11111110xxxx");
    libxl_cpuid_dispose(&p);
}

TEST(msr_bits, 30)
{
    libxl_cpuid_policy_list p = NULL;

    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "rdcl-no=1"), 0);
    ck_assert_int_eq(lc_cpuid_policy_msr_count(&p), 1);
    ck_assert_uint_eq(p->msr[0].index, 0x10a);
    ck_assert_int_eq(p->msr[0].policy[63], '1');
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "its-no=s"), 0); /* bit 62 */
    ck_assert_int_eq(p->msr[0].policy[1], 'k');
    ck_assert_int_eq(libxl_cpuid_policy_list_length(&p), 0);
    /* MSR bits take one character: no numbers */
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "rdcl-no=10"), 3);
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "rdcl-no=2"), 3);
    ck_assert_int_eq(lc_cpuid_policy_msr_count(&p), 1);
    libxl_cpuid_dispose(&p);
}

TEST(config_errors, 30)
{
    libxl_cpuid_policy_list p = NULL;

    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "sse3"), 1);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "nosuch=1"), 2);
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "=1"), 2);
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "SSE3=1"), 2);
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "maxlea=1"), 2);
    ck_assert_ptr_null(p);
    /* a bad value still leaves the leaf's (empty) entry, as in libxl */
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "sse3=y"), 3);
    ck_assert_int_eq(libxl_cpuid_policy_list_length(&p), 1);
    ck_assert_ptr_null(reg(p, 1, LC_CPUID_UNUSED, 2));
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, "sse3="), 3);
    libxl_cpuid_dispose(&p);
    /* libxl dereferences NULL */
    ck_assert_int_eq(libxl_cpuid_parse_config(&p, NULL), 1);
}

TEST(xend_syntax, 30)
{
    libxl_cpuid_policy_list p = NULL;

    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p,
        "0x80000001,3:eax=" "01010101010101010101010101010101" ",\n "
        "edx=" X32), 0);
    ck_assert_str_eq(reg(p, 0x80000001, 3, 0),
                     "01010101010101010101010101010101");
    ck_assert_str_eq(reg(p, 0x80000001, 3, 3), X32);
    /* a later string for the same register replaces it */
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p,
        "0x80000001,3:eax=" "11111111111111111111111111111111"), 0);
    ck_assert_str_eq(reg(p, 0x80000001, 3, 0),
                     "11111111111111111111111111111111");
    ck_assert_int_eq(libxl_cpuid_policy_list_length(&p), 1);

    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "x:eax=" X32), 1);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "7,:eax=" X32), 2);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "7;eax=" X32), 3);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "7:efx=" X32), 4);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "7:eax"), 4);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "7:eax=0"), 5);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "7:eax=" X32 "x"), 5);
    /* libxl reads past the end of these */
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "7:e"), 4);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "7:"), 0);
    /* libxl truncates to 32 bits, and takes 0xffffffff, its list's end
       marker, as a leaf (then loses the entry) */
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "0xffffffff:eax=" X32),
                     1);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, "-1:eax=" X32), 1);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p,
                                                   "0x100000001:eax=" X32), 1);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p,
                                                   "1,0x100000000:eax=" X32),
                     2);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&p, NULL), 1);
    /* 7 was created by the ':' of the failing calls above, as in libxl */
    ck_assert_int_eq(libxl_cpuid_policy_list_length(&p), 2);
    libxl_cpuid_dispose(&p);
}
