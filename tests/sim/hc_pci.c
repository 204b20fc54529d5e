/*
 * hc_pci.c: PCI device assignment through the IOMMU, as Xen 4.17 answers
 * it: domctl assign_device, deassign_device and test_assign_device, with
 * quarantine (a device given to DOMID_IO is set aside, neither dom0's nor
 * a guest's). Owns the table of devices not owned by dom0 (struct
 * sim_state's pci_owned, under the table lock); the devices the
 * hypervisor knows are hc_host.c's. A host without an IOMMU
 * (xensim_iommu_set(false), as these test machines) answers EOPNOTSUPP to
 * all three, as Xen does when no IOMMU is enabled.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/domctl.h>

#include "sim.h"
#include "xensim.h"

/* The owner of a known device (lock held): dom0 unless listed. */
static uint32_t owner_locked(const struct sim_state *s, uint32_t sbdf)
{
    for (uint32_t i = 0; i < s->nr_pci_owned && i < SIM_NR_PCI; i++)
        if (s->pci_owned[i].sbdf == sbdf)
            return s->pci_owned[i].domid;
    return 0;
}

static void set_owner_locked(struct sim_state *s, uint32_t sbdf,
                             uint32_t domid)
{
    uint32_t n = s->nr_pci_owned < SIM_NR_PCI ? s->nr_pci_owned : SIM_NR_PCI;

    for (uint32_t i = 0; i < n; i++) {
        if (s->pci_owned[i].sbdf != sbdf)
            continue;
        if (domid)
            s->pci_owned[i].domid = domid;
        else
            s->pci_owned[i] = s->pci_owned[--s->nr_pci_owned];
        return;
    }
    if (domid && n < SIM_NR_PCI) {
        s->pci_owned[n].sbdf = sbdf;
        s->pci_owned[n].domid = domid;
        s->nr_pci_owned = n + 1;
    }
}

long sim_domctl_pci(struct sim_state *s, struct xen_domctl *dc)
{
    struct xen_domctl_assign_device *ad = &dc->u.assign_device;
    uint32_t domid = dc->domain, cmd = dc->cmd;
    uint32_t sbdf = ad->u.pci.machine_sbdf;
    long rc;

    /* do_domctl: the domain first (test_assign takes DOMID_INVALID) */
    if (cmd != XEN_DOMCTL_test_assign_device || domid != DOMID_INVALID) {
        if (domid == DOMID_INVALID)
            return -ESRCH;
        if (cmd == XEN_DOMCTL_test_assign_device && domid == DOMID_IO)
            return -ESRCH;
    }
    bool known = sim_pci_known_lock(s, sbdf);   /* takes the lock */
    if (domid != DOMID_IO && domid != DOMID_INVALID &&
        (domid >= SIM_NR_DOMIDS || !sim_domain_present_locked(s, domid))) {
        rc = -ESRCH;
        goto out;
    }
    /* iommu_do_domctl: nothing without an IOMMU */
    if (s->iommu_absent) {
        rc = -EOPNOTSUPP;
        goto out;
    }
    if (domid == 0) {                  /* no self-assignment (dom0 asks) */
        rc = -EINVAL;
        goto out;
    }
    if (ad->dev != XEN_DOMCTL_DEV_PCI) {
        rc = -ENODEV;
        goto out;
    }
    if (cmd == XEN_DOMCTL_assign_device
        ? (ad->flags & ~(uint32_t)XEN_DOMCTL_DEV_RDM_RELAXED) != 0
        : ad->flags != 0) {
        rc = -EINVAL;
        goto out;
    }
    uint32_t owner = known ? owner_locked(s, sbdf) : 0;
    if (cmd == XEN_DOMCTL_deassign_device) {
        /* the device must be the domain's; a guest's goes back to
         * quarantine (Xen's default), a quarantined one to dom0 */
        if (!known || owner != domid) {
            rc = -ENODEV;
            goto out;
        }
        set_owner_locked(s, sbdf, domid == DOMID_IO ? 0 : DOMID_IO);
        rc = 0;
        goto out;
    }
    if (!known)
        rc = -ENODEV;
    else if (owner != 0 && owner != DOMID_IO)
        rc = -EBUSY;
    else
        rc = 0;
    if (cmd == XEN_DOMCTL_test_assign_device) {
        rc = rc ? -EINVAL : 0;
        goto out;
    }
    if (!rc)
        set_owner_locked(s, sbdf, domid);
out:
    sim_unlock(s);
    return rc;
}

EXPORT int xensim_iommu_set(bool present)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -ENOENT;
    sim_lock(s);
    s->iommu_absent = !present;
    sim_unlock(s);
    return 0;
}

EXPORT int xensim_pci_owner(uint16_t seg, uint8_t bus, uint8_t devfn)
{
    struct sim_state *s = sim_state();
    uint32_t sbdf = (uint32_t)seg << 16 | (uint32_t)bus << 8 | devfn;
    if (!s)
        return -ENOENT;
    bool known = sim_pci_known_lock(s, sbdf);
    int owner = known ? (int)owner_locked(s, sbdf) : -ENOENT;
    sim_unlock(s);
    return owner;
}

EXPORT int xensim_pci_set_owner(uint16_t seg, uint8_t bus, uint8_t devfn,
                                uint32_t domid)
{
    struct sim_state *s = sim_state();
    uint32_t sbdf = (uint32_t)seg << 16 | (uint32_t)bus << 8 | devfn;
    if (!s)
        return -ENOENT;
    bool known = sim_pci_known_lock(s, sbdf);
    if (known)
        set_owner_locked(s, sbdf, domid);
    sim_unlock(s);
    return known ? 0 : -ENOENT;
}
