/*
 * _libxl_builtin_types.h: the hand-written types that the generated
 * _libxl_types.h builds on, with libxenlight 4.17's names and signatures.
 * libxl.h includes it after libxl_ctx, <libxl_uuid.h> and <xen_list.h>,
 * and before _libxl_types.h.
 */
#ifndef LIGHTCORE_LIBXL_BUILTIN_TYPES_H
#define LIGHTCORE_LIBXL_BUILTIN_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <xen_list.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t libxl_domid;
typedef int libxl_devid;

/* The application's cookie carried by events it asked for. */
typedef uint64_t libxl_ev_user;

/* List entry of a queued event; the application may use it once it owns
   the event. */
struct libxl_event;
typedef XEN_TAILQ_ENTRY(struct libxl_event) libxl_ev_link;

/* One row of an enumeration's libxl_<enum>_string_table; a row with
   s == NULL ends the table. */
typedef struct {
    const char *s;
    int v;
} libxl_enum_string_table;

/*
 * A boolean that can also be "not set" (the default, chosen by the
 * library). Treat it as opaque: 0 is the default, < 0 false, > 0 true.
 */
typedef struct {
    int val;
} libxl_defbool;

void libxl_defbool_set(libxl_defbool *db, bool b);
/* Back to the default. */
void libxl_defbool_unset(libxl_defbool *db);
/* Sets db to b only while it is the default. */
void libxl_defbool_setdefault(libxl_defbool *db, bool b);
bool libxl_defbool_is_default(libxl_defbool db);
/* The value; db must not be the default (the process aborts if it is). */
bool libxl_defbool_val(libxl_defbool db);
/* "True", "False" or "<default>" (static strings). */
const char *libxl_defbool_to_string(libxl_defbool b);

/* A MAC address, six bytes in network order. */
typedef uint8_t libxl_mac[6];
#define LIBXL_MAC_FMT "%02hhx:%02hhx:%02hhx:%02hhx:%02hhx:%02hhx"
#define LIBXL_MAC_FMTLEN ((2*6)+5) /* six byte pairs and five colons */
#define LIBXL_MAC_BYTES(mac) mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]
void libxl_mac_copy(libxl_ctx *ctx, libxl_mac *dst, const libxl_mac *src);

/* A NULL-terminated array of malloc'ed strings; NULL is the empty list. */
typedef char **libxl_string_list;
/* Frees every string and the array; *sl becomes NULL. */
void libxl_string_list_dispose(libxl_string_list *sl);
/* The number of strings (0 for NULL). */
int libxl_string_list_length(const libxl_string_list *sl);
/* A deep copy into *dst (not disposed first); NULL stays NULL. */
void libxl_string_list_copy(libxl_ctx *ctx, libxl_string_list *dst,
                            const libxl_string_list *src);

/* A NULL-terminated array of malloc'ed strings read in pairs: key, value
   (the value may be NULL); NULL is the empty list. */
typedef char **libxl_key_value_list;
/* Frees every key, value and the array; *kvl becomes NULL. */
void libxl_key_value_list_dispose(libxl_key_value_list *kvl);
/* The number of pairs (0 for NULL). */
int libxl_key_value_list_length(const libxl_key_value_list *kvl);
/* A deep copy into *dst (not disposed first); NULL stays NULL. */
void libxl_key_value_list_copy(libxl_ctx *ctx, libxl_key_value_list *dst,
                               const libxl_key_value_list *src);

/* Hardware capability words as the hypervisor reports them. */
typedef uint32_t libxl_hwcap[8];
void libxl_hwcap_copy(libxl_ctx *ctx, libxl_hwcap *dst, const libxl_hwcap *src);

/* A bit set of size bytes (size * 8 bits) in malloc'ed memory; bit i is
   bit (i % 8) of byte i / 8. {0, NULL} is the empty, unallocated set. */
typedef struct {
    uint32_t size;
    uint8_t *map;
} libxl_bitmap;
/* The empty set; dispose frees the map and leaves the empty set. */
void libxl_bitmap_init(libxl_bitmap *map);
void libxl_bitmap_dispose(libxl_bitmap *map);

/* A CPUID/MSR policy being built for a guest. Opaque: use the
   libxl_cpuid_* functions; NULL is the empty policy. */
struct libxl__cpu_policy;
typedef struct libxl__cpu_policy *libxl_cpuid_policy_list;
/* Frees the policy; *cpuid_list becomes NULL. */
void libxl_cpuid_dispose(libxl_cpuid_policy_list *cpuid_list);
/* The number of CPUID leaves the policy sets (its MSRs are not counted). */
int libxl_cpuid_policy_list_length(const libxl_cpuid_policy_list *l);
/* A deep copy into *dst (not disposed first). */
void libxl_cpuid_policy_list_copy(libxl_ctx *ctx,
                                  libxl_cpuid_policy_list *dst,
                                  const libxl_cpuid_policy_list *src);
/*
 * xl's cpuid= settings, one at a time, into *cpuid (created if NULL):
 * "name=value" (a named field or a Xen feature flag) for parse_config,
 * xend's "leaf[,subleaf]:eax=<32 chars>,..." for parse_config_xend. 0, or
 * a positive number saying what was wrong (see types/cpuid_config.c).
 */
int libxl_cpuid_parse_config(libxl_cpuid_policy_list *cpuid, const char *str);
int libxl_cpuid_parse_config_xend(libxl_cpuid_policy_list *cpuid,
                                  const char *str);

/* Hyper-V's VM generation id: 16 bytes, all zero when unset. */
#define LIBXL_MS_VM_GENID_LEN 16
typedef struct {
    uint8_t bytes[LIBXL_MS_VM_GENID_LEN];
} libxl_ms_vm_genid;
/* Random bytes: 0, or ERROR_FAIL if the system gave none (logged). */
int libxl_ms_vm_genid_generate(libxl_ctx *ctx, libxl_ms_vm_genid *id);
bool libxl_ms_vm_genid_is_zero(const libxl_ms_vm_genid *id);
void libxl_ms_vm_genid_copy(libxl_ctx *ctx, libxl_ms_vm_genid *dst,
                            const libxl_ms_vm_genid *src);

/* Other "not set" values of build-info members. */
#define LIBXL_TIMER_MODE_DEFAULT -1
#define LIBXL_RDM_MEM_BOUNDARY_MEMKB_DEFAULT (2048 * 1024)
#define LIBXL_PCI_FUNC_ALL (~0U)

/* A memory size (in KiB) that has not been set. */
#ifndef LIBXL_MEMKB_DEFAULT
#define LIBXL_MEMKB_DEFAULT ~0ULL
#endif

#ifdef __cplusplus
}
#endif

#endif /* LIGHTCORE_LIBXL_BUILTIN_TYPES_H */
