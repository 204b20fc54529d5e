/*
 * test_sim_hc_pci.c: the simulated hypervisor's PCI device assignment
 * (hc_pci.c), asked through Debian's libxenctrl as libxl asks it:
 * quarantine (DOMID_IO) and back, a guest's device, the errors Xen 4.17
 * gives, and a host without an IOMMU; and what a guest is granted of the
 * host's hardware (hc_physdev.c).
 */
#include <check.h>
#include <errno.h>

#include <xenctrl.h>

#include "simhost.h"
#include "testmain.h"
#include "xensim.h"

static simhost *host;
static xc_interface *xch;

#define SBDF(bus, dev, fn) ((uint32_t)(bus) << 8 | (dev) << 3 | (fn))
#define DEVFN(dev, fn)     ((uint8_t)((dev) << 3 | (fn)))

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);
    ck_assert_int_eq(xensim_pci_set(0, 0x42, DEVFN(2, 0), -1), 0);
}

static void teardown(void)
{
    xc_interface_close(xch);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* the call's result as -errno, 0 for success */
static int res(int r)
{
    return r < 0 ? -errno : r;
}

TEST(quarantine_and_back, 60)
{
    uint32_t sbdf = SBDF(0x42, 2, 0);

    ck_assert_int_eq(xensim_pci_owner(0, 0x42, DEVFN(2, 0)), 0);
    ck_assert_int_eq(res(xc_test_assign_device(xch, DOMID_INVALID, sbdf)), 0);
    ck_assert_int_eq(res(xc_assign_device(xch, DOMID_IO, sbdf,
                                          XEN_DOMCTL_DEV_RDM_RELAXED)), 0);
    ck_assert_int_eq(xensim_pci_owner(0, 0x42, DEVFN(2, 0)), DOMID_IO);
    /* again: already there */
    ck_assert_int_eq(res(xc_assign_device(xch, DOMID_IO, sbdf, 0)), 0);
    ck_assert_int_eq(res(xc_test_assign_device(xch, DOMID_INVALID, sbdf)), 0);
    ck_assert_int_eq(res(xc_deassign_device(xch, DOMID_IO, sbdf)), 0);
    ck_assert_int_eq(xensim_pci_owner(0, 0x42, DEVFN(2, 0)), 0);
    /* dom0's: not DOMID_IO's to give back */
    ck_assert_int_eq(res(xc_deassign_device(xch, DOMID_IO, sbdf)), -ENODEV);
    /* unknown device; bad flags; dom0 itself */
    ck_assert_int_eq(res(xc_assign_device(xch, DOMID_IO, SBDF(0x42, 3, 0), 0)),
                     -ENODEV);
    ck_assert_int_eq(res(xc_assign_device(xch, DOMID_IO, sbdf, 6)), -EINVAL);
    ck_assert_int_eq(res(xc_assign_device(xch, 0, sbdf, 0)), -EINVAL);
    ck_assert_int_eq(res(xc_assign_device(xch, 77, sbdf, 0)), -ESRCH);
}

TEST(a_guest_has_it, 60)
{
    uint32_t sbdf = SBDF(0x42, 2, 0);
    int d = simhost_create_domain("vm", 64, 1, NULL);

    ck_assert_int_ge(d, 1);
    ck_assert_int_eq(res(xc_assign_device(xch, DOMID_IO, sbdf, 0)), 0);
    ck_assert_int_eq(res(xc_assign_device(xch, (uint32_t)d, sbdf, 0)), 0);
    ck_assert_int_eq(xensim_pci_owner(0, 0x42, DEVFN(2, 0)), d);
    ck_assert_int_eq(res(xc_test_assign_device(xch, DOMID_INVALID, sbdf)),
                     -EINVAL);
    ck_assert_int_eq(res(xc_assign_device(xch, DOMID_IO, sbdf, 0)), -EBUSY);
    ck_assert_int_eq(res(xc_deassign_device(xch, DOMID_IO, sbdf)), -ENODEV);
    /* the guest gives it back: to quarantine, then dom0 */
    ck_assert_int_eq(res(xc_deassign_device(xch, (uint32_t)d, sbdf)), 0);
    ck_assert_int_eq(xensim_pci_owner(0, 0x42, DEVFN(2, 0)), DOMID_IO);
    ck_assert_int_eq(res(xc_deassign_device(xch, DOMID_IO, sbdf)), 0);
    ck_assert_int_eq(xensim_pci_owner(0, 0x42, DEVFN(2, 0)), 0);
}

TEST(no_iommu, 60)
{
    uint32_t sbdf = SBDF(0x42, 2, 0);

    ck_assert_int_eq(xensim_iommu_set(false), 0);
    ck_assert_int_eq(res(xc_assign_device(xch, DOMID_IO, sbdf, 0)),
                     -EOPNOTSUPP);
    ck_assert_int_eq(res(xc_deassign_device(xch, DOMID_IO, sbdf)),
                     -EOPNOTSUPP);
    ck_assert_int_eq(res(xc_test_assign_device(xch, DOMID_INVALID, sbdf)),
                     -EOPNOTSUPP);
    ck_assert_int_eq(xensim_pci_owner(0, 0x42, DEVFN(2, 0)), 0);
    ck_assert_int_eq(xensim_iommu_set(true), 0);
    ck_assert_int_eq(res(xc_assign_device(xch, DOMID_IO, sbdf, 0)), 0);
}

/* hc_physdev.c: what a guest is granted of the host's hardware, as libxl
 * grants a PV guest's device and takes it back */
TEST(hardware_grants, 60)
{
    char buf[1024];
    int dom = simhost_create_domain("hw", 16, 1, NULL);
    int pirq = 11;

    ck_assert_int_gt(dom, 0);
    ck_assert_int_eq(res(xc_domain_iomem_permission(xch, (uint32_t)dom,
                                                    0xfebc0, 0x20, 1)), 0);
    ck_assert_int_eq(res(xc_domain_iomem_permission(xch, (uint32_t)dom,
                                                    0xfebc0, 0x20, 1)), 0);
    ck_assert_int_eq(res(xc_domain_ioport_permission(xch, (uint32_t)dom,
                                                     0xc000, 0x20, 1)), 0);
    ck_assert_int_eq(res(xc_physdev_map_pirq(xch, dom, 11, &pirq)), 0);
    ck_assert_int_eq(pirq, 11);
    ck_assert_int_eq(res(xc_domain_irq_permission(xch, (uint32_t)dom, 11, 1)),
                     0);
    ck_assert_int_eq(xensim_hw_grants((uint32_t)dom, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "iomem 0xfebc0+0x20\n"
                          "ioport 0xc000+0x20\n"
                          "pirq 11 -> gsi 11\n"
                          "irq 0xb+0x1\n");
    /* a deny inside a range splits it; the rest goes */
    ck_assert_int_eq(res(xc_domain_iomem_permission(xch, (uint32_t)dom,
                                                    0xfebc4, 0x4, 0)), 0);
    ck_assert_int_eq(xensim_hw_grants((uint32_t)dom, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "iomem 0xfebc0+0x4\n"
                          "ioport 0xc000+0x20\n"
                          "pirq 11 -> gsi 11\n"
                          "irq 0xb+0x1\n"
                          "iomem 0xfebc8+0x18\n");
    ck_assert_int_eq(res(xc_domain_iomem_permission(xch, (uint32_t)dom,
                                                    0xfebc0, 0x20, 0)), 0);
    ck_assert_int_eq(res(xc_domain_ioport_permission(xch, (uint32_t)dom,
                                                     0xc000, 0x20, 0)), 0);
    ck_assert_int_eq(res(xc_physdev_unmap_pirq(xch, dom, 11)), 0);
    ck_assert_int_eq(res(xc_physdev_unmap_pirq(xch, dom, 11)), -EINVAL);
    ck_assert_int_eq(res(xc_domain_irq_permission(xch, (uint32_t)dom, 11, 0)),
                     0);
    ck_assert_int_eq(xensim_hw_grants((uint32_t)dom, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "");
    /* Xen's errors */
    ck_assert_int_eq(res(xc_domain_iomem_permission(xch, 999, 1, 1, 1)),
                     -ESRCH);
    ck_assert_int_eq(res(xc_domain_iomem_permission(xch, (uint32_t)dom, 1, 0,
                                                    1)), -EINVAL);
    ck_assert_int_eq(res(xc_domain_ioport_permission(xch, (uint32_t)dom,
                                                     0xfff0, 0x20, 1)),
                     -EINVAL);
    ck_assert_int_eq(res(xc_domain_irq_permission(xch, (uint32_t)dom, 0, 1)),
                     -EPERM);
    ck_assert_int_eq(res(xc_domain_irq_permission(xch, (uint32_t)dom, 4096,
                                                  1)), -EINVAL);
    pirq = 12;
    ck_assert_int_eq(res(xc_physdev_map_pirq(xch, dom, 11, &pirq)), 0);
    pirq = 12;
    ck_assert_int_eq(res(xc_physdev_map_pirq(xch, dom, 10, &pirq)), -EEXIST);
    pirq = 5;
    ck_assert_int_eq(res(xc_physdev_map_pirq(xch, 999, 5, &pirq)), -ESRCH);
}
