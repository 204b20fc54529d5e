/*
 * ops/host.c: host information: libxl_get_version_info, asked of the
 * hypervisor once per ctx and kept (CTX_HOST); the host's CPU, node and
 * socket counts, and bitmaps sized by them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ops/ops.h"

#include "libxl_utils.h"

/* Ask the hypervisor one string-valued XENVER_ question. NULL on error. */
static char *xen_version_string(libxl_ctx *ctx, int cmd, size_t size)
{
    char *buf = calloc(1, size + 1);
    if (!buf) return NULL;
    if (xc_version(ctx->xch, cmd, buf) < 0) {
        LOGE(ctx, ERROR, "xen_version query %d failed", cmd);
        free(buf);
        return NULL;
    }
    buf[size] = '\0';
    return buf;
}

/* The build id as lowercase hex; "" if the hypervisor has none. */
static char *xen_build_id(libxl_ctx *ctx)
{
    enum { MAX_ID = 1024 };
    xen_build_id_t *id = calloc(1, sizeof(*id) + MAX_ID);
    char *hex = NULL;
    int r;

    if (!id) return NULL;
    id->len = MAX_ID;
    r = xc_version(ctx->xch, XENVER_build_id, id);
    if (r < 0) {
        hex = strdup("");
        goto out;
    }
    hex = calloc(1, (size_t)r * 2 + 1);
    if (!hex) goto out;
    for (int i = 0; i < r; i++)
        snprintf(hex + 2 * i, 3, "%02hhx", id->buf[i]);
out:
    free(id);
    return hex;
}

static int fill_version_info(libxl_ctx *ctx, libxl_version_info *info)
{
    xen_extraversion_t extra;
    xen_compile_info_t compile;
    xen_platform_parameters_t platform;
    int version, pagesize;

    version = xc_version(ctx->xch, XENVER_version, NULL);
    if (version < 0) {
        LOGE(ctx, ERROR, "cannot read the hypervisor version");
        return ERROR_FAIL;
    }
    info->xen_version_major = version >> 16;
    info->xen_version_minor = version & 0xffff;

    memset(&extra, 0, sizeof(extra));
    memset(&compile, 0, sizeof(compile));
    memset(&platform, 0, sizeof(platform));
    if (xc_version(ctx->xch, XENVER_extraversion, &extra) < 0 ||
        xc_version(ctx->xch, XENVER_compile_info, &compile) < 0 ||
        xc_version(ctx->xch, XENVER_platform_parameters, &platform) < 0) {
        LOGE(ctx, ERROR, "cannot read the hypervisor build information");
        return ERROR_FAIL;
    }
    pagesize = xc_version(ctx->xch, XENVER_pagesize, NULL);
    if (pagesize < 0) {
        LOGE(ctx, ERROR, "cannot read the hypervisor page size");
        return ERROR_FAIL;
    }

#define DUP_FIELD(dst, src) \
    ((dst) = strndup((src), sizeof(src)))
    DUP_FIELD(info->xen_version_extra, extra);
    DUP_FIELD(info->compiler, compile.compiler);
    DUP_FIELD(info->compile_by, compile.compile_by);
    DUP_FIELD(info->compile_domain, compile.compile_domain);
    DUP_FIELD(info->compile_date, compile.compile_date);
#undef DUP_FIELD
    info->virt_start = platform.virt_start;
    info->pagesize = pagesize;
    info->capabilities = xen_version_string(ctx, XENVER_capabilities,
                                            sizeof(xen_capabilities_info_t));
    info->changeset = xen_version_string(ctx, XENVER_changeset,
                                         sizeof(xen_changeset_info_t));
    info->commandline = xen_version_string(ctx, XENVER_commandline,
                                           sizeof(xen_commandline_t));
    info->build_id = xen_build_id(ctx);

    if (!info->xen_version_extra || !info->compiler || !info->compile_by ||
        !info->compile_domain || !info->compile_date || !info->capabilities ||
        !info->changeset || !info->commandline || !info->build_id) {
        LOG(ctx, ERROR, "cannot collect the hypervisor version information");
        return ERROR_FAIL;
    }
    return 0;
}

const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx)
{
    const libxl_version_info *result = NULL;

    libxl__host_state *hs = CTX_HOST(ctx);

    CTX_LOCK(ctx);
    if (!hs->have_version_info) {
        libxl_version_info fresh;
        libxl_version_info_init(&fresh);
        if (fill_version_info(ctx, &fresh)) {
            libxl_version_info_dispose(&fresh);
            goto out;
        }
        hs->version_info = fresh;
        hs->have_version_info = true;
    }
    result = &hs->version_info;
out:
    CTX_UNLOCK(ctx);
    return result;
}

/* ------------------------------------------------------------ sizes */

/* libxenctrl asks the hypervisor once per process and remembers. */
int libxl_get_max_cpus(libxl_ctx *ctx)
{
    int n = xc_get_max_cpus(ctx->xch);

    return n < 0 ? ERROR_FAIL : n;
}

int libxl_get_max_nodes(libxl_ctx *ctx)
{
    int n = xc_get_max_nodes(ctx->xch);

    return n < 0 ? ERROR_FAIL : n;
}

/* The number of CPU sockets: CPUs / threads per core / cores per socket. */
static int count_sockets(libxl_ctx *ctx, int *sockets)
{
    xc_physinfo_t info;

    memset(&info, 0, sizeof(info));
    if (xc_physinfo(ctx->xch, &info)) {
        LOGE(ctx, ERROR, "cannot read the host's physical information");
        return ERROR_FAIL;
    }
    /* libxl divides by zero here on such an answer */
    if (!info.threads_per_core || !info.cores_per_socket) {
        LOG(ctx, ERROR, "the hypervisor reports %u threads per core and %u "
            "cores per socket", info.threads_per_core, info.cores_per_socket);
        return ERROR_FAIL;
    }
    *sockets = (int)(info.nr_cpus / info.threads_per_core /
                     info.cores_per_socket);
    return 0;
}

/*
 * A bitmap of max bits, or when max is 0 of as many as the host has
 * (count() says how many); ERROR_INVAL for a negative max, count()'s error
 * if it fails. what names the unit in the log.
 */
static int sized_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *map, int max,
                              int (*count)(libxl_ctx *, int *),
                              const char *what)
{
    int rc;

    if (max < 0) {
        LOG(ctx, ERROR, "invalid number of %s provided", what);
        return ERROR_INVAL;
    }
    if (max == 0) {
        rc = count(ctx, &max);
        if (rc) {
            LOG(ctx, ERROR, "failed to retrieve the number of %s", what);
            return rc;
        }
    }
    return libxl_bitmap_alloc(ctx, map, max);
}

static int count_cpus(libxl_ctx *ctx, int *n)
{
    *n = libxl_get_max_cpus(ctx);
    return *n < 0 ? *n : 0;
}

static int count_nodes(libxl_ctx *ctx, int *n)
{
    *n = libxl_get_max_nodes(ctx);
    return *n < 0 ? *n : 0;
}

int libxl_cpu_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *cpumap, int max_cpus)
{
    return sized_bitmap_alloc(ctx, cpumap, max_cpus, count_cpus, "cpus");
}

int libxl_node_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *nodemap,
                            int max_nodes)
{
    return sized_bitmap_alloc(ctx, nodemap, max_nodes, count_nodes, "nodes");
}

int libxl_socket_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *socketmap,
                              int max_sockets)
{
    return sized_bitmap_alloc(ctx, socketmap, max_sockets, count_sockets,
                              "sockets");
}

/* ------------------------------------------------------------ module */

static void host_init(libxl_ctx *ctx)
{
    libxl_version_info_init(&CTX_HOST(ctx)->version_info);
}

static void host_dispose(libxl_ctx *ctx)
{
    libxl__host_state *hs = CTX_HOST(ctx);

    libxl_version_info_dispose(&hs->version_info);
    hs->have_version_info = false;
}

const libxl__module libxl__module_host = {
    .name = "host", .init = host_init, .dispose = host_dispose,
};
