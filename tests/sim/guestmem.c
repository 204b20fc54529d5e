/*
 * guestmem.c: the memory of domains made by XEN_DOMCTL_createdomain, and
 * libxenforeignmemory, through which dom0 maps it.
 *
 * Each such domain has a file, mem-DOMID, beside the state file (in the
 * host's directory, $XENSIM_HOST_DIR). It is sparse; its layout:
 *   [0, 2^24 pages)              the guest's frames, by gfn (64 GiB);
 *   2^24 + SIM_GM_*              pages the hypervisor keeps for the domain
 *                                (shared info, grant table frames, the
 *                                memory map, cpu policy, HVM context,
 *                                vcpu contexts);
 *   SIM_GM_BITMAP_OFF            one bit per gfn: populated.
 * Machine frame numbers: a PV guest sees its frame gfn as
 * mfn = domid << 25 | gfn, and its hypervisor pages as
 * domid << 25 | 2^24 + index; a translated (HVM, PVH) guest's frames are
 * mapped by gfn. Populated bits and tot_pages change under the table lock.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/hvm/save.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "sim.h"
#include "guestmem.h"

static int mem_path(uint32_t domid, char *buf, size_t size)
{
    const char *state = getenv(XENSIM_STATE_ENV);
    if (!state || !*state)
        return -ENOENT;
    char copy[PATH_MAX];
    if (snprintf(copy, sizeof(copy), "%s", state) >= (int)sizeof(copy))
        return -ENAMETOOLONG;
    int n = snprintf(buf, size, "%s/mem-%u", dirname(copy), domid);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int sim_gm_create(uint32_t domid)
{
    char path[PATH_MAX];
    int rc = mem_path(domid, path, sizeof(path));
    if (rc)
        return rc;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    rc = ftruncate(fd, (off_t)SIM_GM_FILE_SIZE) < 0 ? -errno : 0;
    close(fd);
    if (rc)
        unlink(path);
    return rc;
}

void sim_gm_remove(uint32_t domid)
{
    char path[PATH_MAX];
    if (mem_path(domid, path, sizeof(path)) == 0)
        unlink(path);
}

int sim_gm_open(uint32_t domid)
{
    char path[PATH_MAX];
    int rc = mem_path(domid, path, sizeof(path));
    if (rc)
        return rc;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* One populated bit (table lock held by the caller). */
static int bit_rw(int fd, uint64_t gfn, int set)
{
    uint8_t b;
    off_t off = (off_t)(SIM_GM_BITMAP_OFF + gfn / 8);
    if (pread(fd, &b, 1, off) != 1)
        return -EIO;
    int was = (b >> (gfn % 8)) & 1;
    if (set >= 0 && was != set) {
        b = (uint8_t)(set ? b | (1u << (gfn % 8)) : b & ~(1u << (gfn % 8)));
        if (pwrite(fd, &b, 1, off) != 1)
            return -EIO;
    }
    return was;
}

int sim_gm_populated(int fd, uint64_t gfn)
{
    return gfn < SIM_GM_GFNS ? bit_rw(fd, gfn, -1) : 0;
}

int sim_gm_set_populated(int fd, uint64_t gfn, bool on)
{
    if (gfn >= SIM_GM_GFNS)
        return -EINVAL;
    int was = bit_rw(fd, gfn, on);
    if (was >= 0 && (!on || !was)) {
        /* a fresh frame is zeroed (Xen scrubs), a freed one is let go */
        if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      (off_t)(gfn * SIM_PAGE), SIM_PAGE) < 0) {
            static const char zero[SIM_PAGE];
            if (pwrite(fd, zero, SIM_PAGE, (off_t)(gfn * SIM_PAGE)) != SIM_PAGE)
                return -EIO;
        }
    }
    return was;
}

int sim_gm_special_rw(uint32_t domid, uint32_t index, uint32_t offset,
                      void *buf, size_t len, bool write)
{
    int fd = sim_gm_open(domid);
    if (fd < 0)
        return fd;
    off_t off = (off_t)((SIM_GM_GFNS + index) * SIM_PAGE + offset);
    ssize_t n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
    close(fd);
    return n == (ssize_t)len ? 0 : -EIO;
}

/* ------------------------------------------------- machine frame numbers */

uint64_t sim_gm_mfn(uint32_t domid, uint64_t index)
{
    return ((uint64_t)domid << SIM_GM_MFN_SHIFT) | index;
}

/* The file page an mfn names for a PV guest domid, or -1. */
static int64_t mfn_index(uint32_t domid, uint64_t mfn)
{
    if (mfn >> SIM_GM_MFN_SHIFT != domid)
        return -1;
    uint64_t i = mfn & (((uint64_t)1 << SIM_GM_MFN_SHIFT) - 1);
    return i < SIM_GM_GFNS + SIM_GM_SPECIAL_PAGES ? (int64_t)i : -1;
}

int64_t sim_gm_frame_index(struct sim_state *s, uint32_t domid, uint64_t frame)
{
    if (domid >= SIM_NR_DOMIDS)
        return -1;
    if (s->doms[domid].hvm)
        return frame < SIM_GM_GFNS ? (int64_t)frame : -1;
    return mfn_index(domid, frame);
}

/* ------------------------------------------------- libxenforeignmemory */

struct xenforeignmemory_handle {
    int magic;
};

struct xenforeignmemory_resource_handle {
    uint32_t domid, type, id;
    unsigned long frame, nr_frames;
    void *addr;
    int prot, flags;
};

EXPORT void *xenforeignmemory_open(void *logger, unsigned flags)
{
    (void)logger; (void)flags;
    if (!sim_state())
        return NULL;
    struct xenforeignmemory_handle *h = calloc(1, sizeof(*h));
    if (h)
        h->magic = 0x464d454d;
    return h;
}

EXPORT int xenforeignmemory_close(void *h)
{
    free(h);
    return 0;
}

/*
 * Map n frames of domid at one place: each frame the file page it names,
 * runs of consecutive pages in one mmap. A frame the domain does not own
 * (or not populated) fails that page, as Xen: its err[] entry (EINVAL for
 * a frame out of range, ENOENT for an unpopulated one) and an inaccessible
 * page; without err, the whole map fails.
 */
static void *map_frames(uint32_t domid, int prot, int flags, void *hint,
                        size_t n, const xen_pfn_t *frames, int *err)
{
    struct sim_state *s = sim_state();
    if (!s)
        return NULL;
    if (n == 0 || domid >= SIM_NR_DOMIDS) {
        errno = EINVAL;
        return NULL;
    }
    int fd = sim_gm_open(domid);
    if (fd < 0) {
        errno = -fd;
        return NULL;
    }
    void *base = mmap(hint, n * SIM_PAGE, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | (hint ? flags : 0), -1, 0);
    if (base == MAP_FAILED) {
        close(fd);
        return NULL;
    }
    int failed = 0;
    size_t i = 0;
    while (i < n) {
        sim_lock(s);
        int64_t idx = sim_gm_frame_index(s, domid, frames[i]);
        int e = 0;
        if (idx < 0)
            e = EINVAL;
        else if (idx < (int64_t)SIM_GM_GFNS && sim_gm_populated(fd, (uint64_t)idx) != 1)
            e = ENOENT;
        size_t run = 1;
        while (!e && i + run < n) {
            int64_t next = sim_gm_frame_index(s, domid, frames[i + run]);
            if (next != idx + (int64_t)run ||
                (next < (int64_t)SIM_GM_GFNS && sim_gm_populated(fd, (uint64_t)next) != 1))
                break;
            run++;
        }
        sim_unlock(s);
        if (!e && mmap((char *)base + i * SIM_PAGE, run * SIM_PAGE, prot,
                       MAP_SHARED | MAP_FIXED, fd, (off_t)((uint64_t)idx * SIM_PAGE))
                  == MAP_FAILED)
            e = errno;
        for (size_t j = 0; j < run; j++) {
            if (err)
                err[i + j] = -e;
        }
        if (e) {
            failed = e;
            sim_log("foreign map of domain %u frame %#lx: %s", domid,
                    (unsigned long)frames[i], strerror(e));
        }
        i += run;
    }
    close(fd);
    if (failed && !err) {
        munmap(base, n * SIM_PAGE);
        errno = failed;
        return NULL;
    }
    return base;
}

EXPORT void *xenforeignmemory_map(void *h, uint32_t dom, int prot, size_t pages,
                                  const xen_pfn_t arr[], int err[])
{
    (void)h;
    return map_frames(dom, prot, 0, NULL, pages, arr, err);
}

EXPORT void *xenforeignmemory_map2(void *h, uint32_t dom, void *addr, int prot,
                                   int flags, size_t pages, const xen_pfn_t arr[],
                                   int err[])
{
    (void)h;
    return map_frames(dom, prot, flags, addr, pages, arr, err);
}

EXPORT int xenforeignmemory_unmap(void *h, void *addr, size_t pages)
{
    (void)h;
    return munmap(addr, pages * SIM_PAGE);
}

EXPORT int xenforeignmemory_restrict(void *h, uint32_t domid)
{
    (void)h; (void)domid;
    return 0;
}

/* The resources a domain's builder maps: its grant table's shared frames
 * (as many as the domain may have). Others: EOPNOTSUPP, as Xen for a kind
 * it does not know of. */
static long resource_frames(uint32_t domid, unsigned type, unsigned id,
                            uint64_t *first)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    if (type != XENMEM_resource_grant_table)
        return -EOPNOTSUPP;
    if (id != XENMEM_resource_grant_table_id_shared)
        return -EINVAL;
    long n;
    sim_lock(s);
    if (domid >= SIM_NR_DOMIDS || !sim_domain_present_locked(s, domid))
        n = -ESRCH;
    else if (!s->doms[domid].built)
        n = -EOPNOTSUPP;
    else
        n = s->doms[domid].max_grant_frames;
    sim_unlock(s);
    *first = SIM_GM_GFNS + SIM_GM_GNTTAB;
    return n;
}

EXPORT struct xenforeignmemory_resource_handle *
xenforeignmemory_map_resource(void *h, uint32_t domid, unsigned type, unsigned id,
                              unsigned long frame, unsigned long nr_frames,
                              void **paddr, int prot, int flags)
{
    (void)h;
    uint64_t first;
    long avail = resource_frames(domid, type, id, &first);
    if (avail < 0) {
        errno = (int)-avail;
        return NULL;
    }
    if (frame >= (unsigned long)avail || nr_frames > (unsigned long)avail - frame) {
        errno = EINVAL;
        return NULL;
    }
    struct xenforeignmemory_resource_handle *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    *r = (struct xenforeignmemory_resource_handle){ domid, type, id, frame,
                                                    nr_frames, NULL, prot, flags };
    if (nr_frames) {
        int fd = sim_gm_open(domid);
        if (fd < 0) {
            free(r);
            errno = -fd;
            return NULL;
        }
        void *a = mmap(*paddr, nr_frames * SIM_PAGE, prot,
                       MAP_SHARED | (*paddr ? flags : 0), fd,
                       (off_t)((first + frame) * SIM_PAGE));
        int e = errno;
        close(fd);
        if (a == MAP_FAILED) {
            free(r);
            errno = e;
            return NULL;
        }
        r->addr = a;
    }
    *paddr = r->addr;
    return r;
}

EXPORT int xenforeignmemory_unmap_resource(void *h,
                                           struct xenforeignmemory_resource_handle *r)
{
    (void)h;
    if (!r)
        return 0;
    if (r->addr)
        munmap(r->addr, r->nr_frames * SIM_PAGE);
    free(r);
    return 0;
}

EXPORT int xenforeignmemory_resource_size(void *h, uint32_t domid, unsigned type,
                                          unsigned id, size_t *size)
{
    (void)h;
    uint64_t first;
    long avail = resource_frames(domid, type, id, &first);
    if (avail < 0) {
        errno = (int)-avail;
        return -1;
    }
    *size = (size_t)avail * SIM_PAGE;
    return 0;
}

/* ------------------------------------------------- the kernel command line */

static int read_frame(int fd, uint64_t index, uint32_t off, void *buf, size_t len)
{
    if (off + len > SIM_PAGE)
        return -EINVAL;
    return pread(fd, buf, len, (off_t)(index * SIM_PAGE + off)) == (ssize_t)len ? 0 : -EIO;
}


/* Read len bytes at guest physical address pa of a translated guest. */
static int read_phys(int fd, uint64_t pa, void *buf, size_t len)
{
    char *out = buf;
    while (len) {
        uint64_t gfn = pa / SIM_PAGE;
        uint32_t off = (uint32_t)(pa % SIM_PAGE);
        size_t n = SIM_PAGE - off < len ? SIM_PAGE - off : len;
        if (gfn >= SIM_GM_GFNS || sim_gm_populated(fd, gfn) != 1)
            return -EFAULT;
        if (read_frame(fd, gfn, off, out, n))
            return -EIO;
        out += n;
        pa += n;
        len -= n;
    }
    return 0;
}

/* A PVH guest's command line: vcpu 0's CPU record in the HVM context the
 * builder set, its rbx, the hvm_start_info there, its cmdline_paddr. */
static int pvh_cmdline(uint32_t domid, int fd, char *line, size_t len)
{
    uint32_t size = 0;
    if (sim_gm_special_rw(domid, SIM_GM_HVMCTX, 0, &size, 4, false) || !size)
        return -ENODATA;
    uint32_t off = 4, end = 4 + size;
    while (off + sizeof(struct hvm_save_descriptor) <= end) {
        struct hvm_save_descriptor h;
        if (sim_gm_special_rw(domid, SIM_GM_HVMCTX, off, &h, sizeof(h), false))
            return -EIO;
        off += sizeof(h);
        if (h.typecode == HVM_SAVE_CODE(END))
            break;
        if (h.typecode == HVM_SAVE_CODE(CPU) && h.instance == 0 &&
            h.length >= sizeof(struct hvm_hw_cpu) && off + h.length <= end) {
            struct hvm_hw_cpu cpu;
            if (sim_gm_special_rw(domid, SIM_GM_HVMCTX, off, &cpu, sizeof(cpu), false))
                return -EIO;
            struct hvm_start_info si;
            int rc = read_phys(fd, cpu.rbx, &si, sizeof(si));
            if (rc)
                return rc;
            if (si.magic != XEN_HVM_START_MAGIC_VALUE)
                return -EINVAL;
            if (!si.cmdline_paddr)
                return 0;
            /* up to the end of the string or what can be read */
            for (size_t i = 0; i + 1 < len; i++) {
                if (read_phys(fd, si.cmdline_paddr + i, line + i, 1) || !line[i])
                    break;
            }
            return 0;
        }
        off += h.length;
    }
    return -ENODATA;
}

/* A 64-bit PV guest's virtual address, through its page tables (cr3 and
 * each entry hold machine frames), to its file page; -errno. */
static int64_t pv_walk(struct sim_state *s, uint32_t domid, int fd, uint64_t cr3,
                       uint64_t va)
{
    int64_t table = sim_gm_frame_index(s, domid, cr3 >> 12);
    for (int level = 3; level >= 0 && table >= 0; level--) {
        uint64_t e;
        unsigned slot = (unsigned)(va >> (12 + 9 * level)) & 511;
        if (read_frame(fd, (uint64_t)table, slot * 8, &e, 8))
            return -EIO;
        if (!(e & 1))
            return -EFAULT;                 /* not present */
        uint64_t mfn = (e >> 12) & ((1ull << 40) - 1);
        if (level > 0 && level < 3 && (e & 0x80))   /* a superpage */
            mfn += (va >> 12) & ((1ull << (9 * level)) - 1);
        else if (level > 0) {
            table = sim_gm_frame_index(s, domid, mfn);
            continue;
        }
        return sim_gm_frame_index(s, domid, mfn);
    }
    return -EFAULT;
}

/*
 * The command line the domain's builder gave its kernel, as the kernel
 * finds it: a PV guest's in its start_info page (the address in vcpu 0's
 * rsi), a PVH guest's at hvm_start_info's cmdline_paddr (the structure's
 * address in vcpu 0's rbx). 0, or -errno (-ENODATA: not built yet).
 */
EXPORT int xensim_domain_cmdline(uint32_t domid, char *buf, size_t size)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    if (!size)
        return -EINVAL;
    buf[0] = 0;
    sim_lock(s);
    bool ok = domid < SIM_NR_DOMIDS && sim_domain_present_locked(s, domid) &&
              s->doms[domid].built;
    bool hvm = ok && s->doms[domid].hvm;
    bool ctx = ok && (hvm || (s->doms[domid].vcpus_set & 1));
    sim_unlock(s);
    if (!ok)
        return -ESRCH;
    if (!ctx)
        return -ENODATA;
    int fd = sim_gm_open(domid);
    if (fd < 0)
        return fd;
    char line[MAX_GUEST_CMDLINE + 1];
    int rc = 0;
    memset(line, 0, sizeof(line));
    if (!hvm) {
        vcpu_guest_context_t c;
        rc = sim_gm_special_rw(domid, SIM_GM_VCPUCTX, 0, &c, sizeof(c), false);
        uint64_t va = c.user_regs.rsi;
        sim_lock(s);
        int64_t page = rc ? -EIO : pv_walk(s, domid, fd, c.ctrlreg[3], va);
        sim_unlock(s);
        uint32_t off = (uint32_t)(va & (SIM_PAGE - 1)) +
                       (uint32_t)offsetof(start_info_t, cmd_line);
        if (page < 0)
            rc = (int)page;
        else if (off + MAX_GUEST_CMDLINE > SIM_PAGE)
            rc = -EFAULT;
        else
            rc = read_frame(fd, (uint64_t)page, off, line, MAX_GUEST_CMDLINE);
    } else {
        rc = pvh_cmdline(domid, fd, line, MAX_GUEST_CMDLINE);
    }
    close(fd);
    if (!rc)
        snprintf(buf, size, "%s", line);
    return rc;
}

/* How many domains made by createdomain exist (dying ones included). */
EXPORT int xensim_built_domains(void)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    return (int)__atomic_load_n(&s->nr_built, __ATOMIC_RELAXED);
}
