/*
 * ops/psr.c: Intel platform shared resource monitoring (CMT, MBM) and
 * allocation (CAT, CDP, MBA) as libxl 4.17 drives them through libxenctrl,
 * with its results and log lines; on a host without them (no PSR in the
 * cpu, or Xen not booted with psr=) every call fails as libxl's does.
 * x86 only. No state, nothing of another family (sockets and cpus come
 * from the public host calls, as in libxl).
 */
#if defined(__i386__) || defined(__x86_64__)

#include <errno.h>
#include <stdlib.h>

#include "base/log.h"

#include "libxl_utils.h"

/* ------------------------------------------------------------ logging */

/* The errors every PSR call may meet. */
static void log_psr_error(libxl_ctx *ctx, int err)
{
    const char *msg;

    switch (err) {
    case ENOSYS:
    case EOPNOTSUPP:
        msg = "unsupported operation";
        break;
    case ESRCH:
        msg = "invalid domain ID";
        break;
    case ENOTSOCK:
        msg = "socket is not supported";
        break;
    case EFAULT:
        msg = "failed to exchange data with Xen";
        break;
    default:
        msg = "unknown error";
        break;
    }
    errno = err;
    LOGE(ctx, ERROR, "%s", msg);
}

/* The monitoring calls' own errors, else the common ones. */
static void log_cmt_error(libxl_ctx *ctx, int err)
{
    const char *msg;

    switch (err) {
    case ENODEV:
        msg = "CMT is not supported in this system";
        break;
    case EEXIST:
        msg = "CMT is already attached to this domain";
        break;
    case ENOENT:
        msg = "CMT is not attached to this domain";
        break;
    case EOVERFLOW:
        msg = "no free RMID available";
        break;
    default:
        log_psr_error(ctx, err);
        return;
    }
    errno = err;
    LOGE(ctx, ERROR, "%s", msg);
}

/* The allocation calls' own errors (naming the feature), else the
 * common ones. */
static void log_alloc_error(libxl_ctx *ctx, int err, libxl_psr_type type)
{
    const char *feature, *msg;

    switch (type) {
    case LIBXL_PSR_CBM_TYPE_L3_CBM:
        feature = "L3 CAT";
        break;
    case LIBXL_PSR_CBM_TYPE_L3_CBM_CODE:
    case LIBXL_PSR_CBM_TYPE_L3_CBM_DATA:
        feature = "CDP";
        break;
    case LIBXL_PSR_CBM_TYPE_L2_CBM:
        feature = "L2 CAT";
        break;
    case LIBXL_PSR_CBM_TYPE_MBA_THRTL:
        feature = "MBA";
        break;
    default:
        feature = "UNKNOWN";
        break;
    }
    switch (err) {
    case ENODEV:
        msg = "is not supported in this system";
        break;
    case ENOENT:
        msg = "is not enabled on the socket";
        break;
    case EOVERFLOW:
        msg = "no free COS available";
        break;
    case EEXIST:
        msg = "The same CBM is already set to this domain";
        break;
    case ENXIO:
        msg = "Unable to set code or data CBM when CDP is disabled";
        break;
    case EINVAL:
        msg = "Invalid input or some internal values are not expected";
        break;
    case ERANGE:
        msg = "Socket number is wrong";
        break;
    case ENOSPC:
        msg = "Value array exceeds the range";
        break;
    default:
        log_psr_error(ctx, err);
        return;
    }
    LOG(ctx, ERROR, "%s: %s", feature, msg);
}

/* ------------------------------------------------------------ sockets */

/* The first cpu of socket, or ERROR_FAIL. */
static int socket_cpu(libxl_ctx *ctx, uint32_t socket)
{
    int nr = 0, cpu = ERROR_FAIL;
    libxl_cputopology *topo = libxl_get_cpu_topology(ctx, &nr);

    if (!topo)
        return ERROR_FAIL;
    for (int i = 0; i < nr; i++)
        if (topo[i].socket == socket) {
            cpu = i;
            break;
        }
    libxl_cputopology_list_free(topo, nr);
    return cpu;
}

/* The number of cpu sockets, as libxl counts them (from physinfo). */
static int count_sockets(libxl_ctx *ctx, int *sockets)
{
    libxl_physinfo info;
    int rc;

    libxl_physinfo_init(&info);
    rc = libxl_get_physinfo(ctx, &info);
    if (!rc) {
        /* libxl divides by zero on such an answer */
        if (!info.threads_per_core || !info.cores_per_socket)
            rc = ERROR_FAIL;
        else
            *sockets = (int)(info.nr_cpus / info.threads_per_core /
                             info.cores_per_socket);
    }
    libxl_physinfo_dispose(&info);
    return rc;
}

/* ------------------------------------------------------------ monitoring */

int libxl_psr_cmt_attach(libxl_ctx *ctx, uint32_t domid)
{
    if (xc_psr_cmt_attach(ctx->xch, domid) < 0) {
        log_cmt_error(ctx, errno);
        return ERROR_FAIL;
    }
    return 0;
}

int libxl_psr_cmt_detach(libxl_ctx *ctx, uint32_t domid)
{
    if (xc_psr_cmt_detach(ctx->xch, domid) < 0) {
        log_cmt_error(ctx, errno);
        return ERROR_FAIL;
    }
    return 0;
}

int libxl_psr_cmt_domain_attached(libxl_ctx *ctx, uint32_t domid)
{
    uint32_t rmid = 0;

    if (xc_psr_cmt_get_domain_rmid(ctx->xch, domid, &rmid) < 0)
        return 0;
    return rmid != 0;
}

int libxl_psr_cmt_enabled(libxl_ctx *ctx)
{
    return xc_psr_cmt_enabled(ctx->xch);
}

int libxl_psr_cmt_get_total_rmid(libxl_ctx *ctx, uint32_t *total_rmid)
{
    if (xc_psr_cmt_get_total_rmid(ctx->xch, total_rmid) < 0) {
        log_cmt_error(ctx, errno);
        return ERROR_FAIL;
    }
    return 0;
}

int libxl_psr_cmt_get_l3_cache_size(libxl_ctx *ctx, uint32_t socketid,
                                    uint32_t *l3_cache_size)
{
    int cpu = socket_cpu(ctx, socketid);

    if (cpu < 0) {
        LOGE(ctx, ERROR, "failed to get socket cpu");
        return ERROR_FAIL;
    }
    if (xc_psr_cmt_get_l3_cache_size(ctx->xch, (uint32_t)cpu,
                                     l3_cache_size) < 0) {
        log_cmt_error(ctx, errno);
        return ERROR_FAIL;
    }
    return 0;
}

int libxl_psr_cmt_type_supported(libxl_ctx *ctx, libxl_psr_cmt_type type)
{
    uint32_t mask = 0;

    if (xc_psr_cmt_get_l3_event_mask(ctx->xch, &mask) < 0) {
        log_cmt_error(ctx, errno);
        return 0;
    }
    if (type < 1 || type > 32)
        return 0;
    return (int)(mask & (1u << (type - 1)));
}

int libxl_psr_cmt_get_sample(libxl_ctx *ctx, uint32_t domid,
                             libxl_psr_cmt_type type, uint64_t scope,
                             uint64_t *sample_r, uint64_t *tsc_r)
{
    uint32_t rmid = 0, factor = 0;
    uint64_t data = 0;
    int cpu;

    if (xc_psr_cmt_get_domain_rmid(ctx->xch, domid, &rmid) < 0 || !rmid) {
        LOGED(ctx, ERROR, domid, "fail to get the domain rmid, "
              "or domain is not attached with platform QoS monitoring service");
        return ERROR_FAIL;
    }
    cpu = socket_cpu(ctx, (uint32_t)scope);
    if (cpu < 0) {
        LOGED(ctx, ERROR, domid, "failed to get socket cpu");
        return ERROR_FAIL;
    }
    if (xc_psr_cmt_get_data(ctx->xch, rmid, (uint32_t)cpu,
                            (xc_psr_cmt_type)(type - 1), &data, tsc_r) < 0) {
        LOGED(ctx, ERROR, domid, "failed to get monitoring data");
        return ERROR_FAIL;
    }
    if (xc_psr_cmt_get_l3_upscaling_factor(ctx->xch, &factor) < 0) {
        LOGED(ctx, ERROR, domid, "failed to get L3 upscaling factor");
        return ERROR_FAIL;
    }
    *sample_r = data * factor;
    return 0;
}

int libxl_psr_cmt_get_cache_occupancy(libxl_ctx *ctx, uint32_t domid,
                                      uint32_t socketid,
                                      uint32_t *l3_cache_occupancy)
{
    uint64_t data = 0;
    int rc = libxl_psr_cmt_get_sample(ctx, domid,
                                      LIBXL_PSR_CMT_TYPE_CACHE_OCCUPANCY,
                                      socketid, &data, NULL);

    if (rc < 0)
        return rc;
    *l3_cache_occupancy = (uint32_t)(data / 1024);
    return rc;
}

/* ------------------------------------------------------------ allocation */

int libxl_psr_set_val(libxl_ctx *ctx, uint32_t domid, libxl_psr_type type,
                      libxl_bitmap *target_map, uint64_t val)
{
    int rc, sockets = 0, socket;

    rc = count_sockets(ctx, &sockets);
    if (rc) {
        LOG(ctx, ERROR, "failed to get system socket count");
        return rc;
    }
    libxl_for_each_set_bit(socket, *target_map) {
        if (socket >= sockets)
            break;
        if (xc_psr_set_domain_data(ctx->xch, domid, (xc_psr_type)type,
                                   (uint32_t)socket, val)) {
            log_alloc_error(ctx, errno, type);
            rc = ERROR_FAIL;
        }
    }
    return rc;
}

int libxl_psr_get_val(libxl_ctx *ctx, uint32_t domid, libxl_psr_type type,
                      unsigned int target, uint64_t *val)
{
    if (xc_psr_get_domain_data(ctx->xch, domid, (xc_psr_type)type, target,
                               val)) {
        log_alloc_error(ctx, errno, type);
        return ERROR_FAIL;
    }
    return 0;
}

int libxl_psr_cat_set_cbm(libxl_ctx *ctx, uint32_t domid,
                          libxl_psr_cbm_type type, libxl_bitmap *target_map,
                          uint64_t cbm)
{
    return libxl_psr_set_val(ctx, domid, type, target_map, cbm);
}

int libxl_psr_cat_get_cbm(libxl_ctx *ctx, uint32_t domid,
                          libxl_psr_cbm_type type, uint32_t target,
                          uint64_t *cbm_r)
{
    return libxl_psr_get_val(ctx, domid, type, target, cbm_r);
}

int libxl_psr_get_hw_info(libxl_ctx *ctx, libxl_psr_feat_type type,
                          unsigned int lvl, unsigned int *nr,
                          libxl_psr_hw_info **info)
{
    xc_psr_feat_type xc_type;
    libxl_bitmap sockets_map;
    libxl_psr_hw_info *list = NULL;
    unsigned int n = 0;
    int rc, sockets = 0, socket;

    /* libxl asserts here; we refuse */
    if (type == LIBXL_PSR_FEAT_TYPE_CAT && (lvl == 3 || lvl == 2)) {
        xc_type = lvl == 3 ? XC_PSR_CAT_L3 : XC_PSR_CAT_L2;
    } else if (type == LIBXL_PSR_FEAT_TYPE_MBA) {
        xc_type = XC_PSR_MBA;
    } else {
        LOG(ctx, ERROR, "no PSR feature of type %d, level %u", (int)type, lvl);
        return ERROR_INVAL;
    }

    libxl_bitmap_init(&sockets_map);
    rc = count_sockets(ctx, &sockets);
    if (rc) {
        LOG(ctx, ERROR, "failed to get system socket count");
        goto out;
    }
    rc = libxl_socket_bitmap_alloc(ctx, &sockets_map, sockets);
    if (!rc)
        rc = libxl_get_online_socketmap(ctx, &sockets_map);
    if (rc) {
        LOGE(ctx, ERROR, "failed to get available sockets");
        goto out;
    }
    list = calloc(sockets ? (size_t)sockets : 1, sizeof(*list));
    if (!list) {
        LOG(ctx, ERROR, "cannot allocate the information of %d sockets",
            sockets);
        rc = ERROR_NOMEM;
        goto out;
    }
    libxl_for_each_set_bit(socket, sockets_map) {
        xc_psr_hw_info hw;

        if (n >= (unsigned int)sockets)
            break;
        libxl_psr_hw_info_init_type(&list[n], type);
        list[n].id = (uint32_t)socket;
        if (xc_psr_get_hw_info(ctx->xch, (uint32_t)socket, xc_type, &hw)) {
            libxl_psr_hw_info_list_free(list, n + 1);
            list = NULL;
            rc = ERROR_FAIL;
            goto out;
        }
        if (type == LIBXL_PSR_FEAT_TYPE_CAT) {
            list[n].u.cat.cos_max = hw.cat.cos_max;
            list[n].u.cat.cbm_len = hw.cat.cbm_len;
            list[n].u.cat.cdp_enabled = hw.cat.cdp_enabled;
        } else {
            list[n].u.mba.cos_max = hw.mba.cos_max;
            list[n].u.mba.thrtl_max = hw.mba.thrtl_max;
            list[n].u.mba.linear = hw.mba.linear;
        }
        n++;
    }
    *info = list;
    *nr = n;
out:
    libxl_bitmap_dispose(&sockets_map);
    return rc;
}

int libxl_psr_cat_get_info(libxl_ctx *ctx, libxl_psr_cat_info **info,
                           unsigned int *nr, unsigned int lvl)
{
    libxl_psr_hw_info *hw = NULL;
    libxl_psr_cat_info *list;
    int rc;

    rc = libxl_psr_get_hw_info(ctx, LIBXL_PSR_FEAT_TYPE_CAT, lvl, nr, &hw);
    if (rc)
        return rc;
    list = calloc(*nr ? *nr : 1, sizeof(*list));
    if (!list) {
        LOG(ctx, ERROR, "cannot allocate the information of %u sockets", *nr);
        libxl_psr_hw_info_list_free(hw, *nr);
        return ERROR_NOMEM;
    }
    for (unsigned int i = 0; i < *nr; i++) {
        libxl_psr_cat_info_init(&list[i]);
        list[i].id = hw[i].id;
        list[i].cos_max = hw[i].u.cat.cos_max;
        list[i].cbm_len = hw[i].u.cat.cbm_len;
        list[i].cdp_enabled = hw[i].u.cat.cdp_enabled;
    }
    *info = list;
    libxl_psr_hw_info_list_free(hw, *nr);
    return 0;
}

int libxl_psr_cat_get_l3_info(libxl_ctx *ctx, libxl_psr_cat_info **info,
                              int *nr)
{
    unsigned int n = 0;
    int rc = libxl_psr_cat_get_info(ctx, info, &n, 3);

    if (!rc)
        *nr = (int)n;
    return rc;
}

/* ------------------------------------------------------------ list_free */

void libxl_psr_cat_info_list_free(libxl_psr_cat_info *list, int nr)
{
    if (!list) return;
    for (int i = 0; i < nr; i++)
        libxl_psr_cat_info_dispose(&list[i]);
    free(list);
}

void libxl_psr_hw_info_list_free(libxl_psr_hw_info *list, unsigned int nr)
{
    if (!list) return;
    for (unsigned int i = 0; i < nr; i++)
        libxl_psr_hw_info_dispose(&list[i]);
    free(list);
}

#endif /* x86 */
