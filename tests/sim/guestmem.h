/*
 * guestmem.h: the memory file of a domain made by XEN_DOMCTL_createdomain
 * (guestmem.c): its layout, machine frame numbers, populated bits.
 */
#ifndef XENSIM_GUESTMEM_H
#define XENSIM_GUESTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_state;

#define SIM_GM_GFNS          (1ull << 24)   /* guest frames: 64 GiB */
#define SIM_GM_SPECIAL_PAGES 4096u          /* the hypervisor's pages */
#define SIM_GM_MFN_SHIFT     25             /* mfn = domid << 25 | index */
/* Indices of the hypervisor's pages (after the guest frames). */
#define SIM_GM_SHARED_INFO   0u
#define SIM_GM_GNTTAB        1u             /* up to 64 grant table frames */
#define SIM_GM_MEMMAP        72u            /* XENMEM_set_memory_map: count, entries */
#define SIM_GM_CPUID         80u            /* cpu policy: count, leaves (4 pages) */
#define SIM_GM_MSRS          84u            /* count, msrs */
#define SIM_GM_HVMCTX        96u            /* size, HVM context (32 pages) */
#define SIM_GM_VCPUCTX       256u           /* 2 pages per vcpu, 512 vcpus */
#define SIM_GM_BITMAP_OFF    ((SIM_GM_GFNS + SIM_GM_SPECIAL_PAGES) * 4096ull)
#define SIM_GM_FILE_SIZE     (SIM_GM_BITMAP_OFF + SIM_GM_GFNS / 8)

/* The file: made (empty) at creation, removed when the domain is freed. */
int  sim_gm_create(uint32_t domid);
void sim_gm_remove(uint32_t domid);
int  sim_gm_open(uint32_t domid);                  /* fd or -errno */
/* Populated bits (table lock held): 1, 0 or -errno. Setting a bit zeroes
 * the frame; clearing it lets the frame go. Both return the old bit. */
int  sim_gm_populated(int fd, uint64_t gfn);
int  sim_gm_set_populated(int fd, uint64_t gfn, bool on);
/* Read or write part of one of the hypervisor's pages (index SIM_GM_*). */
int  sim_gm_special_rw(uint32_t domid, uint32_t index, uint32_t offset,
                       void *buf, size_t len, bool write);
/* A PV guest's machine frame number for file page index, and back: the
 * file page a frame (an mfn for PV, a gfn for a translated guest) names
 * for domid, or -1 (table lock held). */
uint64_t sim_gm_mfn(uint32_t domid, uint64_t index);
int64_t  sim_gm_frame_index(struct sim_state *s, uint32_t domid, uint64_t frame);

#endif
