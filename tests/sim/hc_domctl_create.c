/*
 * hc_domctl_create.c: the domctls and sysctls a toolstack makes and builds
 * a domain with, as Xen 4.17 answers them: createdomain (its checks, the
 * domid asked for or the next free one, EEXIST), hypercall_init,
 * set/get_address_size, settscinfo / gettscinfo, setvcpucontext /
 * getvcpucontext, sethvmcontext / gethvmcontext, get/set_cpu_policy,
 * set/get_paging_mempool_size, settimeoffset, shadow_op's allocation
 * calls, and sysctl get_cpu_policy / get_cpu_featureset. A domain made
 * here has a memory file (guestmem.c) and starts paused by the toolstack,
 * as on Xen; its memory is what memory_op populates (hc_memop.c).
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/hvm/save.h>

#include "sim.h"
#include "guestmem.h"

#define ALL_CDF (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_s3_integrity | \
                 XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain | \
                 XEN_DOMCTL_CDF_iommu | XEN_DOMCTL_CDF_nested_virt | \
                 XEN_DOMCTL_CDF_vpmu)
#define HVM_MAX_VCPUS_SIM 128u      /* Xen's HVM_MAX_VCPUS */
#define GNTTAB_MAX_FRAMES 64u       /* gnttab_max_frames' default */
#define MAPTRACK_MAX_FRAMES 1024u   /* gnttab_max_maptrack_frames' default */
#define VCPU_CTX_BYTES (2u * SIM_PAGE)

/* The checks of Xen's sanitise_domain_config and arch_sanitise_domain_config
 * (x86), in their order: 0 or -errno. */
static int check_config(struct sim_state *s, const struct xen_domctl_createdomain *c)
{
    uint32_t f = c->flags;
    bool hvm = f & XEN_DOMCTL_CDF_hvm;
    if (f & ~ALL_CDF)
        return -EINVAL;
    if (c->iommu_opts & ~XEN_DOMCTL_IOMMU_no_sharept)
        return -EINVAL;
    if (c->max_vcpus < 1)
        return -EINVAL;
    if ((f & XEN_DOMCTL_CDF_hap) && !hvm)
        return -EINVAL;
    if ((f & XEN_DOMCTL_CDF_iommu) && s->iommu_absent)
        return -EINVAL;
    if (c->vmtrace_size)
        return -EINVAL;            /* no processor trace under qemu64 */
    if ((f & XEN_DOMCTL_CDF_vpmu))
        return -EINVAL;            /* vpmu is off unless Xen boots with vpmu= */
    if (hvm && !(f & XEN_DOMCTL_CDF_hap))
        return -EINVAL;            /* no shadow paging in Debian's build */
    if ((f & XEN_DOMCTL_CDF_nested_virt) && !hvm)
        return -EINVAL;
    if (c->max_vcpus > (hvm ? HVM_MAX_VCPUS_SIM : SIM_MAX_VCPUS))
        return -EINVAL;
    uint32_t em = c->arch.emulation_flags;
    bool em_ok = hvm ? (em == (XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI) ||
                        em == XEN_X86_EMU_LAPIC)
                     : em == 0;
    if (!em_ok)
        return -EOPNOTSUPP;
    /* negative: the host's default (gnttab_max_frames,
     * gnttab_max_maptrack_frames) */
    int64_t gf = c->max_grant_frames < 0 ? (int64_t)GNTTAB_MAX_FRAMES
                                         : (int64_t)c->max_grant_frames;
    int64_t mf = c->max_maptrack_frames < 0 ? (int64_t)MAPTRACK_MAX_FRAMES
                                            : (int64_t)c->max_maptrack_frames;
    if (gf < 1 || gf > GNTTAB_MAX_FRAMES || mf > MAPTRACK_MAX_FRAMES)
        return -EINVAL;
    uint32_t gv = c->grant_opts & XEN_DOMCTL_GRANT_version_mask;
    if (gv < 1 || gv > 2 || (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask))
        return -EINVAL;
    if (c->cpupool_id && !sim_pool_sched_locked(s, c->cpupool_id))
        return -ENOENT;
    return 0;
}

static long create_domain(struct sim_state *s, struct xen_domctl *dc)
{
    struct xen_domctl_createdomain *c = &dc->u.createdomain;
    uint64_t now = sim_now_ns();
    sim_lock(s);
    now = sim_now_locked(s, now);
    uint32_t domid = dc->domain;
    long rc = check_config(s, c);
    if (rc)
        sim_log("createdomain: flags %#x iommu_opts %#x vcpus %u evtchn %u "
                "grant frames %u maptrack %u grant_opts %#x emulation %#x "
                "pool %u: %ld", c->flags, c->iommu_opts, c->max_vcpus,
                c->max_evtchn_port, c->max_grant_frames, c->max_maptrack_frames,
                c->grant_opts, c->arch.emulation_flags, c->cpupool_id, rc);
    if (!rc) {
        if (domid > 0 && domid < SIM_NR_DOMIDS) {
            if (sim_domain_present_locked(s, domid))
                rc = -EEXIST;
        } else {
            /* the next id after the last one given (domids are not reused
             * until they wrap, as Xen's rover) */
            domid = s->next_domid;
            while (domid < SIM_NR_DOMIDS && sim_domain_present_locked(s, domid))
                domid++;
            if (domid >= SIM_NR_DOMIDS)
                rc = -ENOMEM;
        }
    }
    if (!rc)
        rc = sim_gm_create(domid);
    if (rc) {
        sim_unlock(s);
        return rc;
    }
    if (domid >= s->next_domid)
        s->next_domid = domid + 1;
    struct sim_domain *d = &s->doms[domid];
    sim_dom_lock(d);
    memset((char *)d + sizeof(d->lock_owner), 0, sizeof(*d) - sizeof(d->lock_owner));
    d->state = DOM_ALIVE;
    d->pause_count = 1;            /* paused by the toolstack until built */
    d->vcpus = c->max_vcpus;
    d->hvm = (c->flags & XEN_DOMCTL_CDF_hvm) != 0;
    memcpy(d->uuid, c->handle, sizeof(d->uuid));
    d->created_ns = now;
    d->max_pages_set = 1;          /* no memory, no allowance yet */
    d->cpupool = c->cpupool_id;
    d->built = 1;
    d->cdf_flags = c->flags;
    d->emulation_flags = c->arch.emulation_flags;
    d->max_evtchn_port = c->max_evtchn_port;
    d->max_grant_frames = c->max_grant_frames < 0 ? GNTTAB_MAX_FRAMES
                                                  : (uint32_t)c->max_grant_frames;
    d->max_maptrack_frames = c->max_maptrack_frames < 0 ? MAPTRACK_MAX_FRAMES
                                                        : (uint32_t)c->max_maptrack_frames;
    d->address_size = d->hvm ? 0 : 64;
    sim_dom_unlock(d);
    s->ndomains++;
    s->nr_built++;
    sim_unlock(s);
    dc->domain = (domid_t)domid;
    sim_log("createdomain: domain %u (%s, %u vcpus)", domid,
            d->hvm ? "hvm" : "pv", c->max_vcpus);
    return 0;
}

/* The domain's record, table lock taken (NULL: unlocked, ESRCH). */
static struct sim_domain *lock_domain(struct sim_state *s, uint32_t domid)
{
    sim_lock(s);
    if (domid < SIM_NR_DOMIDS && sim_domain_present_locked(s, domid))
        return &s->doms[domid];
    sim_unlock(s);
    return NULL;
}

/* The hypercall stubs Xen writes into a guest's hypercall page: 32 bytes
 * per hypercall number, each loading the number and trapping (syscall for
 * a 64-bit PV guest, vmcall for an HVM one). */
static void fill_hypercall_page(uint8_t *p, bool hvm)
{
    memset(p, 0xcc, SIM_PAGE);
    for (uint32_t i = 0; i < SIM_PAGE / 32; i++) {
        uint8_t *q = p + i * 32;
        int n = 0;
        if (!hvm) {
            q[n++] = 0x51;                      /* push %rcx */
            q[n++] = 0x41; q[n++] = 0x53;       /* push %r11 */
        }
        q[n++] = 0xb8;                          /* mov $i, %eax */
        memcpy(q + n, &i, 4);
        n += 4;
        if (hvm) {
            q[n++] = 0x0f; q[n++] = 0x01; q[n++] = 0xc1;   /* vmcall */
        } else {
            q[n++] = 0x0f; q[n++] = 0x05;       /* syscall */
            q[n++] = 0x41; q[n++] = 0x5b;       /* pop %r11 */
            q[n++] = 0x59;                      /* pop %rcx */
        }
        q[n++] = 0xc3;                          /* ret */
    }
}

static long hypercall_init(struct sim_state *s, struct xen_domctl *dc)
{
    struct sim_domain *d = lock_domain(s, dc->domain);
    if (!d)
        return -ESRCH;
    bool hvm = d->hvm;
    int64_t idx = d->built ? sim_gm_frame_index(s, dc->domain,
                                                dc->u.hypercall_init.gmfn) : -1;
    int fd = idx >= 0 && idx < (int64_t)SIM_GM_GFNS ? sim_gm_open(dc->domain) : -1;
    long rc = 0;
    if (fd < 0 || sim_gm_populated(fd, (uint64_t)idx) != 1)
        rc = -EACCES;
    else
        d->hypercall_page = (uint64_t)idx + 1;
    sim_unlock(s);
    if (!rc) {
        uint8_t page[SIM_PAGE];
        fill_hypercall_page(page, hvm);
        if (pwrite(fd, page, SIM_PAGE, (off_t)((uint64_t)idx * SIM_PAGE)) != SIM_PAGE)
            rc = -EIO;
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* A copy of one blob kept in the domain's hypervisor pages: a 4-byte
 * length then the bytes. */
static long blob_set(uint32_t domid, uint32_t index, uint32_t max,
                     const void *buf, uint32_t len)
{
    if (len > max - 4)
        return -E2BIG;
    int rc = sim_gm_special_rw(domid, index, 0, &len, 4, true);
    if (!rc && len)
        rc = sim_gm_special_rw(domid, index, 4, (void *)buf, len, true);
    return rc;
}

static long blob_len(uint32_t domid, uint32_t index)
{
    uint32_t len = 0;
    int rc = sim_gm_special_rw(domid, index, 0, &len, 4, false);
    return rc ? rc : (long)len;
}

/* ----------------------------------------------------------- cpu policy */

/*
 * The policies: what Xen 4.17 offers guests on a qemu64 cpu (AMD, family
 * 15): vendor and maximum leaves, family/model/stepping and the base
 * features, x87 and SSE state in leaf 0xd, the extended features and
 * address sizes; every other leaf 0. They are serialised as Xen does
 * (libxenguest reads them back and serialises them again into a buffer of
 * the size Xen reported, so the shape must match): basic leaves 0 to the
 * maximum, with subleaf 0 of leaves 4, 7 and 0xb, subleaves 0 and 1 of
 * 0xd; the two hypervisor range limits (0x40000000, 0x40000100); the
 * extended leaves to their maximum.
 * The MSRs Xen serialises: PLATFORM_INFO and ARCH_CAPABILITIES, both 0.
 */
static const xen_cpuid_leaf_t known_leaves[] = {
    { 0x0, XEN_CPUID_NO_SUBLEAF, 0xd, 0x68747541, 0x444d4163, 0x69746e65 },
    { 0x1, XEN_CPUID_NO_SUBLEAF, 0x00000f61, 0x00000800, 0x80202001, 0x078bfbfd },
    { 0xd, 0, 0x3, 0x240, 0x240, 0 },
    { 0x80000000, XEN_CPUID_NO_SUBLEAF, 0x80000008, 0x68747541, 0x444d4163, 0x69746e65 },
    { 0x80000001, XEN_CPUID_NO_SUBLEAF, 0x00000f61, 0, 0x00000001, 0x2191abff },
    { 0x80000008, XEN_CPUID_NO_SUBLEAF, 0x00003028, 0, 0, 0 },
};
static const xen_msr_entry_t base_msrs[] = {
    { 0xce, 0, 0 },          /* MSR_INTEL_PLATFORM_INFO */
    { 0x10a, 0, 0 },         /* MSR_ARCH_CAPABILITIES */
};
#define NR_BASE_MSRS (sizeof(base_msrs) / sizeof(base_msrs[0]))
#define MAX_LEAVES 128u
#define MAX_MSRS 16u

static void put_leaf(xen_cpuid_leaf_t *out, uint32_t *n, uint32_t leaf, uint32_t sub)
{
    xen_cpuid_leaf_t l = { leaf, sub, 0, 0, 0, 0 };
    for (size_t i = 0; i < sizeof(known_leaves) / sizeof(known_leaves[0]); i++)
        if (known_leaves[i].leaf == leaf && known_leaves[i].subleaf == sub)
            l = known_leaves[i];
    out[(*n)++] = l;
}

/* The host's policy in Xen's serialised form; returns the count. */
static uint32_t base_leaves(xen_cpuid_leaf_t *out)
{
    uint32_t n = 0;
    for (uint32_t leaf = 0; leaf <= 0xd; leaf++) {
        if (leaf == 0x4 || leaf == 0x7 || leaf == 0xb)
            put_leaf(out, &n, leaf, 0);
        else if (leaf == 0xd) {
            put_leaf(out, &n, leaf, 0);
            put_leaf(out, &n, leaf, 1);
        } else
            put_leaf(out, &n, leaf, XEN_CPUID_NO_SUBLEAF);
    }
    put_leaf(out, &n, 0x40000000, XEN_CPUID_NO_SUBLEAF);
    put_leaf(out, &n, 0x40000100, XEN_CPUID_NO_SUBLEAF);
    for (uint32_t leaf = 0x80000000; leaf <= 0x80000008; leaf++)
        put_leaf(out, &n, leaf, XEN_CPUID_NO_SUBLEAF);
    return n;
}

/* Copy a policy out: -ENOBUFS if the caller's arrays are too small; a
 * NULL array asks for the maximum count. */
static long policy_out(uint32_t *nr_leaves, xen_cpuid_leaf_t *leaves,
                       const xen_cpuid_leaf_t *src_l, uint32_t n_l,
                       uint32_t *nr_msrs, xen_msr_entry_t *msrs,
                       const xen_msr_entry_t *src_m, uint32_t n_m)
{
    if (!leaves)
        *nr_leaves = MAX_LEAVES;
    else if (*nr_leaves < n_l)
        return -ENOBUFS;
    else {
        memcpy(leaves, src_l, n_l * sizeof(*leaves));
        *nr_leaves = n_l;
    }
    if (!msrs)
        *nr_msrs = MAX_MSRS;
    else if (*nr_msrs < n_m)
        return -ENOBUFS;
    else {
        memcpy(msrs, src_m, n_m * sizeof(*msrs));
        *nr_msrs = n_m;
    }
    return 0;
}

static long cpu_policy(struct sim_state *s, struct xen_domctl *dc)
{
    struct xen_domctl_cpu_policy *p = &dc->u.cpu_policy;
    struct sim_domain *d = lock_domain(s, dc->domain);
    if (!d)
        return -ESRCH;
    bool built = d->built, set = d->cpu_policy_set;
    sim_unlock(s);
    if (!built)
        return -EOPNOTSUPP;
    xen_cpuid_leaf_t l[MAX_LEAVES];
    xen_msr_entry_t m[MAX_MSRS];
    uint32_t nl = base_leaves(l), nm = NR_BASE_MSRS;
    memcpy(m, base_msrs, sizeof(base_msrs));
    if (dc->cmd == XEN_DOMCTL_set_cpu_policy) {
        if (p->nr_leaves > MAX_LEAVES || p->nr_msrs > MAX_MSRS)
            return -E2BIG;
        const xen_cpuid_leaf_t *in_l = p->leaves.p;
        const xen_msr_entry_t *in_m = p->msrs.p;
        for (uint32_t i = 0; i < p->nr_msrs; i++)
            if (in_m[i].idx != 0xce && in_m[i].idx != 0x10a) {
                p->err_msr = in_m[i].idx;
                return -ERANGE;
            }
        long rc = 0;
        if (p->nr_leaves && in_l)
            rc = blob_set(dc->domain, SIM_GM_CPUID, 4 * SIM_PAGE, in_l,
                          p->nr_leaves * (uint32_t)sizeof(*in_l));
        if (!rc && p->nr_msrs && in_m)
            rc = blob_set(dc->domain, SIM_GM_MSRS, SIM_PAGE, in_m,
                          p->nr_msrs * (uint32_t)sizeof(*in_m));
        if (!rc && (d = lock_domain(s, dc->domain)) != NULL) {
            d->cpu_policy_set |= (p->nr_leaves && in_l ? 1u : 0) |
                                 (p->nr_msrs && in_m ? 2u : 0);
            sim_unlock(s);
        }
        return rc;
    }
    if (set & 1) {
        long n = blob_len(dc->domain, SIM_GM_CPUID);
        if (n < 0)
            return n;
        nl = (uint32_t)n / sizeof(*l);
        if (sim_gm_special_rw(dc->domain, SIM_GM_CPUID, 4, l, nl * sizeof(*l), false))
            return -EIO;
    }
    if (set & 2) {
        long n = blob_len(dc->domain, SIM_GM_MSRS);
        if (n < 0)
            return n;
        nm = (uint32_t)n / sizeof(*m);
        if (sim_gm_special_rw(dc->domain, SIM_GM_MSRS, 4, m, nm * sizeof(*m), false))
            return -EIO;
    }
    return policy_out(&p->nr_leaves, p->leaves.p, l, nl, &p->nr_msrs, p->msrs.p, m, nm);
}

long sim_sysctl_cpu(struct sim_state *s, struct xen_sysctl *sc)
{
    (void)s;
    if (sc->cmd == XEN_SYSCTL_get_cpu_policy) {
        struct xen_sysctl_cpu_policy *p = &sc->u.cpu_policy;
        if (p->index > XEN_SYSCTL_cpu_policy_hvm_default || p->_rsvd)
            return -EINVAL;
        xen_cpuid_leaf_t l[MAX_LEAVES];
        uint32_t nl = base_leaves(l);
        return policy_out(&p->nr_leaves, p->leaves.p, l, nl,
                          &p->nr_msrs, p->msrs.p, base_msrs, NR_BASE_MSRS);
    }
    /* XEN_SYSCTL_get_cpu_featureset: words 0 (leaf 1 edx), 1 (leaf 1 ecx),
     * 2 (0x80000001 edx), 3 (0x80000001 ecx); the rest 0. */
    struct xen_sysctl_cpu_featureset *f = &sc->u.cpu_featureset;
    if (f->index > XEN_SYSCTL_cpu_featureset_hvm_max)
        return -EINVAL;
    const uint32_t words[] = { known_leaves[1].d, known_leaves[1].c,
                               known_leaves[4].d, known_leaves[4].c };
    const uint32_t nr = 19;      /* FEATURESET_NR_ENTRIES of Xen 4.17 */
    uint32_t *out = f->features.p;
    if (!out) {
        f->nr_features = nr;
        return 0;
    }
    uint32_t n = f->nr_features < nr ? f->nr_features : nr;
    for (uint32_t i = 0; i < n; i++)
        out[i] = i < 4 ? words[i] : 0;
    f->nr_features = n;
    return f->nr_features < nr && n < nr ? -ENOBUFS : 0;
}

/* ---------------------------------------------------------- vcpu context */

static long vcpu_context(struct sim_state *s, struct xen_domctl *dc)
{
    struct xen_domctl_vcpucontext *vc = &dc->u.vcpucontext;
    struct sim_domain *d = lock_domain(s, dc->domain);
    if (!d)
        return -ESRCH;
    bool built = d->built;
    uint32_t vcpus = d->vcpus;
    bool set = dc->cmd == XEN_DOMCTL_setvcpucontext;
    if (vc->vcpu >= vcpus || vc->vcpu >= 512) {
        sim_unlock(s);
        return set ? -EINVAL : -ESRCH;
    }
    if (set && vc->vcpu < 64)
        d->vcpus_set |= 1ull << vc->vcpu;
    sim_unlock(s);
    if (!built)
        return set ? 0 : -ENODATA;
    uint32_t page = SIM_GM_VCPUCTX + 2 * vc->vcpu;
    size_t len = sizeof(vcpu_guest_context_t);
    _Static_assert(sizeof(vcpu_guest_context_t) <= VCPU_CTX_BYTES, "vcpu context");
    if (set) {
        vcpu_guest_context_t zero;
        memset(&zero, 0, sizeof(zero));
        const void *src = vc->ctxt.p ? vc->ctxt.p : &zero;
        return sim_gm_special_rw(dc->domain, page, 0, (void *)src, len, true);
    }
    if (!vc->ctxt.p)
        return -EINVAL;
    return sim_gm_special_rw(dc->domain, page, 0, vc->ctxt.p, len, false);
}

/* ----------------------------------------------------------- HVM context */

/*
 * A new HVM domain's context, as gethvmcontext returns it: the header,
 * then one CPU, LAPIC and MTRR record per vcpu, then the end marker.
 * libxenguest's PVH builder reads it, edits the boot vcpu's CPU record and
 * writes the part it needs back.
 */
static size_t put_record(uint8_t *buf, size_t off, uint16_t type, uint16_t inst,
                         const void *data, uint32_t len)
{
    struct hvm_save_descriptor h = { type, inst, len };
    if (buf) {
        memcpy(buf + off, &h, sizeof(h));
        if (len)
            memcpy(buf + off + sizeof(h), data, len);
    }
    return off + sizeof(h) + len;
}

static size_t initial_hvm_context(uint8_t *buf, uint32_t vcpus)
{
    struct hvm_save_header hdr = { .magic = HVM_FILE_MAGIC,
                                   .version = HVM_FILE_VERSION,
                                   .changeset = 0, .cpuid = 0x00000f61,
                                   .gtsc_khz = 1000000 };
    size_t off = put_record(buf, 0, HVM_SAVE_CODE(HEADER), 0, &hdr, sizeof(hdr));
    for (uint32_t v = 0; v < vcpus; v++) {
        struct hvm_hw_cpu cpu;
        memset(&cpu, 0, sizeof(cpu));
        cpu.cr0 = 0x60000010;
        cpu.rflags = 2;
        off = put_record(buf, off, HVM_SAVE_CODE(CPU), (uint16_t)v, &cpu, sizeof(cpu));
    }
    for (uint32_t v = 0; v < vcpus; v++) {
        struct hvm_hw_mtrr mtrr;
        memset(&mtrr, 0, sizeof(mtrr));
        mtrr.msr_mtrr_cap = 0x508;       /* 8 variable ranges, fixed, WC */
        off = put_record(buf, off, HVM_SAVE_CODE(MTRR), (uint16_t)v, &mtrr, sizeof(mtrr));
    }
    return put_record(buf, off, HVM_SAVE_CODE(END), 0, NULL, 0);
}

#define HVMCTX_MAX (32u * SIM_PAGE)

static long hvm_context(struct sim_state *s, struct xen_domctl *dc)
{
    struct xen_domctl_hvmcontext *hc = &dc->u.hvmcontext;
    struct sim_domain *d = lock_domain(s, dc->domain);
    if (!d)
        return -ESRCH;
    bool hvm = d->hvm, built = d->built;
    uint32_t vcpus = d->vcpus;
    sim_unlock(s);
    if (!hvm || !built)
        return -EINVAL;
    if (dc->cmd == XEN_DOMCTL_sethvmcontext) {
        if (!hc->buffer.p || hc->size < sizeof(struct hvm_save_descriptor))
            return -EINVAL;
        return blob_set(dc->domain, SIM_GM_HVMCTX, HVMCTX_MAX, hc->buffer.p, hc->size);
    }
    long have = blob_len(dc->domain, SIM_GM_HVMCTX);
    if (have < 0)
        return have;
    size_t len = have ? (size_t)have : initial_hvm_context(NULL, vcpus);
    if (!hc->buffer.p) {
        hc->size = (uint32_t)len;
        return 0;
    }
    if (hc->size < len)
        return -ENOSPC;
    if (have) {
        if (sim_gm_special_rw(dc->domain, SIM_GM_HVMCTX, 4, hc->buffer.p, len, false))
            return -EIO;
    } else {
        initial_hvm_context(hc->buffer.p, vcpus);
    }
    hc->size = (uint32_t)len;
    return 0;
}

/* ------------------------------------------------------------- dispatch */

long sim_domctl_create(struct sim_state *s, struct xen_domctl *dc)
{
    switch (dc->cmd) {
    case XEN_DOMCTL_createdomain:
        return create_domain(s, dc);
    case XEN_DOMCTL_hypercall_init:
        return hypercall_init(s, dc);
    case XEN_DOMCTL_setvcpucontext:
    case XEN_DOMCTL_getvcpucontext:
        return vcpu_context(s, dc);
    case XEN_DOMCTL_sethvmcontext:
    case XEN_DOMCTL_gethvmcontext:
        return hvm_context(s, dc);
    case XEN_DOMCTL_get_cpu_policy:
    case XEN_DOMCTL_set_cpu_policy:
        return cpu_policy(s, dc);
    default:
        break;
    }
    struct sim_domain *d = lock_domain(s, dc->domain);
    if (!d)
        return -ESRCH;
    long rc = 0;
    switch (dc->cmd) {
    case XEN_DOMCTL_set_address_size:
        if (d->hvm)
            rc = -EOPNOTSUPP;
        else if (dc->u.address_size.size == 32)
            d->address_size = 32;
        else if (dc->u.address_size.size == 64 && d->address_size == 32)
            rc = -EINVAL;
        break;
    case XEN_DOMCTL_get_address_size:
        dc->u.address_size.size = d->hvm ? 64 : (d->address_size ? d->address_size : 64);
        break;
    case XEN_DOMCTL_settscinfo:
        if (dc->u.tsc_info.tsc_mode > 2)   /* default, always / never emulate */
            rc = -EINVAL;
        else {
            d->tsc_mode = dc->u.tsc_info.tsc_mode;
            d->gtsc_khz = dc->u.tsc_info.gtsc_khz;
            d->tsc_incarnation = dc->u.tsc_info.incarnation;
            d->tsc_elapsed_nsec = dc->u.tsc_info.elapsed_nsec;
        }
        break;
    case XEN_DOMCTL_gettscinfo:
        memset(&dc->u.tsc_info, 0, sizeof(dc->u.tsc_info));
        dc->u.tsc_info.tsc_mode = d->tsc_mode;
        dc->u.tsc_info.gtsc_khz = d->gtsc_khz ? d->gtsc_khz : 1000000;
        dc->u.tsc_info.incarnation = d->tsc_incarnation;
        dc->u.tsc_info.elapsed_nsec = d->tsc_elapsed_nsec;
        break;
    case XEN_DOMCTL_settimeoffset:
    case XEN_DOMCTL_set_paging_mempool_size:
        break;                     /* accepted; nothing the sim shows */
    case XEN_DOMCTL_get_paging_mempool_size:
        dc->u.paging_mempool.size = 0;
        break;
    default:
        rc = -ENOSYS;
        break;
    }
    sim_unlock(s);
    return rc;
}
