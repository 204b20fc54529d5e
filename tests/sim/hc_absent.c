/*
 * hc_absent.c: the hypercalls of features the simulated host lacks,
 * answered as Debian's Xen 4.17 answers them on a machine without them:
 * its hypervisor is built without XSM (CONFIG_XSM unset in
 * /boot/xen-4.17-amd64.config), and a qemu64 cpu has no Intel PSR (cache
 * monitoring, cache and memory bandwidth allocation), which Xen enables
 * only when booted with psr=... anyway. No state.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#include "sim.h"

/* Without XSM, xsm_op is the dummy module's: "no such call". */
long sim_xsm_op(struct sim_state *s, void *op)
{
    (void)s; (void)op;
    return -ENOSYS;
}

/* sysctl psr_cmt_op: no monitoring at all. sysctl psr_alloc: the three
 * "get info" commands find no allocation feature on any socket; any other
 * command is unknown. */
long sim_sysctl_psr(struct sim_state *s, uint32_t cmd, void *arg)
{
    struct xen_sysctl *sc = arg;

    (void)s;
    if (cmd == XEN_SYSCTL_psr_cmt_op)
        return -ENODEV;
    switch (sc->u.psr_alloc.cmd) {
    case XEN_SYSCTL_PSR_get_l3_info:
    case XEN_SYSCTL_PSR_get_l2_info:
    case XEN_SYSCTL_PSR_get_mba_info:
        return -ENODEV;
    default:
        return -EOPNOTSUPP;
    }
}

/* domctl psr_cmt_op and psr_alloc: the domain is looked up first (as for
 * every domctl), then the feature is found missing. */
long sim_domctl_psr(struct sim_state *s, uint32_t cmd, uint32_t domid,
                    void *arg)
{
    struct xen_domctl *dc = arg;
    bool present;

    sim_lock(s);
    present = domid < SIM_NR_DOMIDS && sim_domain_present_locked(s, domid);
    sim_unlock(s);
    if (!present)
        return -ESRCH;
    if (cmd == XEN_DOMCTL_psr_cmt_op)
        return -ENODEV;
    return dc->u.psr_alloc.cmd <= XEN_DOMCTL_PSR_GET_MBA_THRTL ? -ENODEV
                                                              : -EOPNOTSUPP;
}
