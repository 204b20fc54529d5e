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

/* A memory size (in KiB) that has not been set. */
#ifndef LIBXL_MEMKB_DEFAULT
#define LIBXL_MEMKB_DEFAULT ~0ULL
#endif

#ifdef __cplusplus
}
#endif

#endif /* LIGHTCORE_LIBXL_BUILTIN_TYPES_H */
