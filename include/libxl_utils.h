/*
 * libxl_utils.h: lightcore's helpers that libxenlight 4.17 declares in its
 * libxl_utils.h (same names and signatures), for what is implemented.
 */
#ifndef LIBXL_UTILS_H
#define LIBXL_UTILS_H

#include "libxl.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * libxl_name_to_domid: the id of the domain called name. 0 on success;
 * ERROR_INVAL if no domain has that name; ERROR_FAIL if the domains could
 * not be listed. If several domains share the name, the lowest id wins.
 */
int libxl_name_to_domid(libxl_ctx *ctx, const char *name, uint32_t *domid);

/*
 * libxl_domain_qualifier_to_domid: name is a domain id (decimal digits
 * only) or a domain name. A numeric qualifier is converted without checking
 * that the domain exists; a name is looked up as libxl_name_to_domid does.
 */
int libxl_domain_qualifier_to_domid(libxl_ctx *ctx, const char *name,
                                    uint32_t *domid);

/*
 * libxl_domid_to_name: the domain's name from xenstore, malloc'ed (caller
 * frees), or NULL if the domain has none.
 */
char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid);

#ifdef __cplusplus
}
#endif

#endif /* LIBXL_UTILS_H */
