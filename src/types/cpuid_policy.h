/*
 * types/cpuid_policy.h: what a libxl_cpuid_policy_list points to, in the
 * form libxenctrl's xc_cpuid_apply_policy takes: each array ends with an
 * entry whose leaf (or index) is the "unused" marker, and either may be
 * NULL. Internal: applications only hold the pointer.
 */
#ifndef LIGHTCORE_TYPES_CPUID_POLICY_H
#define LIGHTCORE_TYPES_CPUID_POLICY_H

#include <xenctrl.h>

#include <libxl.h>

/* The marker ending the cpuid array; as a subleaf, "no subleaf". */
#define LC_CPUID_UNUSED 0xffffffffu
/* The characters of one register's policy string and of an MSR's. */
#define LC_CPUID_REG_CHARS 32
#define LC_MSR_CHARS 64

struct libxl__cpu_policy {
    struct xc_xend_cpuid *cpuid;
    struct xc_msr *msr;
};

/* The number of MSR entries. */
int lc_cpuid_policy_msr_count(const libxl_cpuid_policy_list *pl);

#endif /* LIGHTCORE_TYPES_CPUID_POLICY_H */
