/*
 * sim.h: internal layout of the simulated Xen host's shared state (the
 * mmap'd file named by $XENSIM_STATE) and the helpers the preload library's
 * modules share. Not for clients: they use xensim.h.
 */
#ifndef XENSIM_SIM_H
#define XENSIM_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "xensim.h"

struct xen_domctl;
struct xen_sysctl;

#define EXPORT __attribute__((visibility("default")))

#define SIM_MAGIC        0x58454e53494d3038ULL /* "XENSIM08" */
#define SIM_NR_DOMIDS    0x7FF0u    /* domids 0 .. 0x7FEF, as Xen */
#define SIM_NR_PORTS     65536u     /* dom0's event channel ports */
#define SIM_PAGE         4096u
#define SIM_STORE_PORT   1u         /* guest-side port of every xenstore ring */
#define SIM_NR_VIRQS     32u
#define SIM_MAX_VCPUS    512u       /* xensim create --vcpus at most */
#define SIM_VCPU_SLOTS   64u        /* vcpus whose affinity is kept */

/* Counter index space (see counter_name() in state.c). */
#define CTR_HYPERCALL    0     /* + hypercall number (< 64) */
#define CTR_DOMCTL       64    /* + domctl cmd (< 127), 127 = others */
#define CTR_SYSCTL       192   /* + sysctl cmd (< 63), 63 = others */
#define CTR_XENVER       256   /* + XENVER_ cmd (< 32) */
#define CTR_SCHEDOP      288   /* + SCHEDOP_ cmd (< 16) */
#define CTR_MISC         304
enum {
    CTR_ENOSYS = CTR_MISC, CTR_MULTICALL_ENTRIES, CTR_EVTCHN_OPEN,
    CTR_EVTCHN_NOTIFY, CTR_EVTCHN_BIND_VIRQ, CTR_EVTCHN_BIND_INTERDOMAIN,
    CTR_EVTCHN_BIND_UNBOUND, CTR_EVTCHN_UNBIND, CTR_EVTCHN_PENDING,
    CTR_GNTTAB_MAP, CTR_GNTTAB_UNMAP, CTR_VIRQ_RAISED, CTR_EVENTS_SENT,
    CTR_EVENTS_DROPPED, CTR_XENCALL_OPEN,
    CTR_END
};
#define SIM_NR_COUNTERS  CTR_END
#define SIM_CTR_STRIPES  8u  /* counters are per cpu (modulo this) */

enum sim_dom_state { DOM_FREE = 0, DOM_ALIVE, DOM_DYING };

/*
 * One domain's record. Locking (sim_lock first, then sim_dom_lock):
 *  - pause_count, cpu_ns and run_since_ns change under the domain's own
 *    lock only (pause and unpause take no table lock, so threads pausing
 *    different domains do not serialise on the table); read them under it;
 *  - state, shutdown and reason change under both locks, so either one is
 *    enough to read them;
 *  - the rest under the table lock.
 * Each record has cache lines of its own: two threads working on
 * neighbouring domains must not share one.
 */
struct sim_domain {
    uint32_t lock_owner;       /* pid holding this record's lock, 0 if free;
                                  first, and kept when the record is reset */
    uint32_t state;            /* enum sim_dom_state */
    uint32_t shutdown;         /* guest has shut down (or crashed) */
    uint32_t reason;           /* SHUTDOWN_* when shutdown */
    uint32_t pause_count;      /* pauses by the control software */
    uint64_t mem_kb;
    uint32_t vcpus;
    uint32_t introduced;       /* set by the CLI after XS_INTRODUCE succeeded */
    uint8_t  uuid[16];
    char     name[64];
    uint64_t created_ns;
    uint64_t cpu_ns;           /* accumulated while not running */
    uint64_t run_since_ns;     /* 0 when not running */
    uint32_t store_peer;       /* dom0 port xenstored bound to our ring, 0 none */
    uint32_t guest_ep;         /* endpoint of the simulated guest, 0 none */
    uint32_t guest_pending;    /* an event to the guest is queued */
    int32_t  guest_pid;
    uint32_t ring_maps;        /* live grant mappings of the ring page */
    uint32_t hvm;              /* an HVM (or PVH) container: hvm_guest flag */
    uint64_t gone_at_ns;       /* dying, let go by xenstored: freed at this
                                  time (sim_now_ns); 0 = not yet scheduled */
    uint64_t callback_irq;     /* HVM_PARAM_CALLBACK_IRQ (0: no PV drivers) */
    /* hc_vcpu.c (table lock). Zero is the default everywhere: every vcpu
     * online, hard and soft affinity "all cpus", automatic node affinity,
     * the scheduler's default weight and no cap. Affinities are kept for
     * vcpus below SIM_VCPU_SLOTS and cpus below 64. */
    uint64_t vcpu_offline[SIM_MAX_VCPUS / 64];  /* taken down by the guest */
    uint64_t vcpu_hard_set;    /* slot i holds a hard affinity set by hand */
    uint64_t vcpu_soft_set;
    uint64_t vcpu_hard[SIM_VCPU_SLOTS];
    uint64_t vcpu_soft[SIM_VCPU_SLOTS];
    uint64_t node_affinity;    /* when node_affinity_set */
    uint32_t node_affinity_set;
    uint16_t sched_weight;     /* 0: the default (256) */
    uint16_t sched_cap;        /* 0: no cap */
    /* hc_mem.c */
    uint32_t max_pages_set;    /* max_pages below holds (domctl max_mem or a
                                  balloon); else memory + 1 MiB */
    uint32_t acpi_ignore;      /* the guest OS ignores the power button */
    uint64_t max_pages;
    uint64_t pod_target_pages; /* XENMEM_set_pod_target's last target */
    uint32_t triggers[8];      /* XEN_DOMCTL_SENDTRIGGER_* delivered */
    /* RTDS, per vcpu slot, in microseconds (0: the default) */
    uint32_t rtds_period[SIM_VCPU_SLOTS];
    uint32_t rtds_budget[SIM_VCPU_SLOTS];
    uint64_t rtds_no_extra;    /* slot i has extratime off */
    uint32_t cpupool;          /* id of its cpupool (hc_cpupool.c); a dying
                                  domain counts as in pool 0, as on Xen */
    /* hc_domctl_create.c (table lock): a domain made by
     * XEN_DOMCTL_createdomain, with a memory file (guestmem.c) */
    uint32_t built;
    uint32_t cdf_flags;        /* XEN_DOMCTL_CDF_* */
    uint32_t emulation_flags;  /* arch.emulation_flags (XEN_X86_EMU_*) */
    uint32_t max_evtchn_port;
    uint32_t max_grant_frames;
    uint32_t max_maptrack_frames;
    uint32_t address_size;     /* PV: 64 (set_address_size), 0 unset */
    uint32_t tsc_mode;
    uint32_t gtsc_khz;
    uint32_t tsc_incarnation;
    uint64_t tsc_elapsed_nsec;
    uint64_t claimed_pages;    /* XENMEM_claim_pages outstanding */
    uint64_t hypercall_page;   /* XEN_DOMCTL_hypercall_init's frame + 1 */
    uint64_t guest_ports[16];  /* the guest's event channel ports in use
                                  (hc_evtchnop.c; port 0 is never given) */
    uint64_t hvm_params[64];   /* HVMOP_set_param (but CALLBACK_IRQ) */
    uint64_t vcpus_set;        /* setvcpucontext done for vcpu slot i */
    uint32_t nr_memmap;        /* XENMEM_set_memory_map's entries */
    uint32_t cpu_policy_set;
} __attribute__((aligned(64)));

/* hc_physdev.c: one range a domain was granted (kind SIM_HW_*), or for
 * SIM_HW_PIRQ a pirq (start) mapped to a GSI (count). */
#define SIM_NR_HW_GRANTS  256u
enum { SIM_HW_IOMEM = 1, SIM_HW_IOPORT, SIM_HW_IRQ, SIM_HW_PIRQ };
struct sim_hw_grant {
    uint32_t domid, kind;
    uint64_t start, count;
};

/* hc_host.c's part of the state (struct sim_state's host). */
#define SIM_CONRING_SIZE  16384u    /* Xen's default console ring */
#define SIM_NR_PCI        64u
struct sim_pci_dev {
    uint16_t seg;
    uint8_t  bus, devfn;
    uint32_t node;             /* XEN_INVALID_NODE_ID: no NUMA affinity */
};
struct sim_host_info {
    uint32_t booted;           /* the fields below are set up */
    uint32_t conring_c;        /* first character not cleared (free-running) */
    uint32_t conring_p;        /* next character written (free-running) */
    uint32_t nr_pci;
    char     conring[SIM_CONRING_SIZE];
    char     loglvl[16], guest_loglvl[16], conswitch[3];
    uint8_t  global_pages;
    struct sim_pci_dev pci[SIM_NR_PCI];
    uint64_t total_pages;      /* the host's RAM; 0: 64 GiB */
};

/* A cpupool (hc_cpupool.c). Up to 64 cpus; as Xen, at most twice as many
 * pools as cpus. */
#define SIM_MAX_CPUS     64u
#define SIM_MAX_POOLS    (2 * SIM_MAX_CPUS)
struct sim_cpupool {
    uint32_t id;
    uint32_t sched_id;         /* XEN_SCHEDULER_* */
    uint64_t cpus;             /* bit N: cpu N */
};

/* One pool's global scheduling parameters (hc_vcpu.c); 0: the default. */
struct sim_pool_sched {
    uint32_t pool_id;
    uint32_t used;
    uint32_t csched_tslice_ms, csched_ratelimit_us, csched_migr_delay_us;
    uint32_t csched_set;
    uint32_t csched2_ratelimit_us;
    uint32_t csched2_set;
};

enum sim_port_type { PORT_FREE = 0, PORT_UNBOUND, PORT_INTERDOMAIN, PORT_VIRQ,
                     PORT_RESERVED };

struct sim_port {
    uint32_t type;
    uint32_t ep;               /* owning endpoint (socket) */
    uint32_t remote_dom;
    uint32_t remote_port;
    uint32_t virq;
    uint32_t pending;          /* a datagram for this port is queued */
};

struct sim_state {
    uint64_t magic;
    uint64_t size;
    uint64_t hostid;           /* names the abstract sockets of this host */
    uint32_t lock_owner;       /* pid holding the table lock, 0 if free
                                  (sim_lock; a spinlock, as Xen's) */
    uint32_t lock_pad;
    uint32_t alive;            /* cleared when the host is torn down */
    uint32_t next_domid;       /* never reused */
    uint32_t next_ep;
    uint32_t port_hint;
    int32_t  xenstored_pid;
    int32_t  supervisor_pid;
    uint32_t xsd_port;         /* dom0's own xenbus port (/proc/xen/xsd_port) */
    uint32_t ndomains;         /* including dom0 */
    uint32_t relinquish_ms;    /* a dying domain outlives its ring this long */
    uint32_t virq_port[SIM_NR_VIRQS];
    uint64_t boot_ns;
    uint64_t clock_hw;         /* latest time used under the lock */
    /* [cpu % stripes][0 clients, 1 xenstored][counter]; a stripe is
     * 2.5 KiB, so stripes never share a cache line */
    uint64_t counters[SIM_CTR_STRIPES][2][SIM_NR_COUNTERS];
    struct sim_port ports[SIM_NR_PORTS];
    struct sim_domain doms[SIM_NR_DOMIDS];
    /* hc_vcpu.c (table lock): pool 0's scheduler (0: credit2, Xen 4.17's
     * default) and its global parameters (0: the scheduler's default) */
    uint32_t pool0_sched;
    uint32_t csched_tslice_ms;
    uint32_t csched_ratelimit_us;
    uint32_t csched_migr_delay_us;
    uint32_t csched_set;       /* credit's parameters were set */
    uint32_t csched2_ratelimit_us;
    uint32_t csched2_set;
    /* hc_host.c: the hypervisor's console ring, runtime parameters and
     * PCI devices, all under the table lock; set up at first use */
    struct sim_host_info host;
    /* hc_cpupool.c: the host's cpus and nodes (set when the state is
     * created, from $XENSIM_CPUS / $XENSIM_NODES) and its cpupools */
    uint32_t nr_cpus;          /* 0 in a state made before these existed */
    uint32_t nr_nodes;
    uint32_t nr_pools;         /* pools in use, pool 0 included */
    uint32_t pool_pad;
    uint64_t free_cpus;        /* cpus in no pool */
    struct sim_cpupool pools[SIM_MAX_POOLS];  /* sorted by id, nr_pools used */
    /* hc_vcpu.c (table lock): the global scheduling parameters of pools
     * other than 0 (pool 0's are above), a slot per pool id taken at its
     * first put (never given back: a pool made again with the same id
     * finds them) */
    struct sim_pool_sched pool_sched[SIM_MAX_POOLS];
    /* hc_pci.c (table lock): no IOMMU (assignment fails); the devices
     * not owned by dom0 (quarantined: DOMID_IO; or a guest's) */
    uint32_t iommu_absent;
    uint32_t nr_pci_owned;
    struct { uint32_t sbdf, domid; } pci_owned[SIM_NR_PCI];
    /* hc_physdev.c (table lock): what guests may reach of the host's
     * hardware (rangesets of frames, ports and interrupts) and the pirqs
     * mapped into them, in the order granted */
    uint32_t nr_hw_grants;
    uint32_t hw_pad;
    struct sim_hw_grant hw_grants[SIM_NR_HW_GRANTS];
    /* hc_domctl_create.c (table lock): domains made by createdomain and
     * not yet freed (domwatch.c looks at domains only when there are) */
    uint32_t nr_built;
};

#define SIM_RINGS_OFFSET  ((sizeof(struct sim_state) + SIM_PAGE - 1) & ~(uint64_t)(SIM_PAGE - 1))
#define SIM_FILE_SIZE     (SIM_RINGS_OFFSET + (uint64_t)SIM_NR_DOMIDS * SIM_PAGE)

/* state.c */
struct sim_state *sim_state(void);       /* attach lazily; NULL + errno */
void sim_lock(struct sim_state *s);
void sim_unlock(struct sim_state *s);
void sim_dom_lock(struct sim_domain *d);
void sim_dom_unlock(struct sim_domain *d);
void *sim_ring(struct sim_state *s, uint32_t domid);
int sim_ring_domid(struct sim_state *s, const void *addr); /* -1 if not a ring */
uint64_t sim_now_ns(void);
void sim_count(int idx);
void sim_count_in(struct sim_state *s, int idx);   /* s may be NULL */
bool sim_debug(void);
void sim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool sim_is_xenstored(void);
/* Under the lock: release a dying domain whose ring is no longer mapped. */
bool sim_domain_reap_locked(struct sim_state *s, uint32_t domid);
/* Whether domid exists (lock held); frees a dying domain whose
 * relinquish delay has passed. Use it instead of testing state. */
bool sim_domain_present_locked(struct sim_state *s, uint32_t domid);
/* Under the lock: the table's time for a clock reading taken before it
 * (sim_now_ns()); the cpu time of a domain at that time. */
uint64_t sim_now_locked(struct sim_state *s, uint64_t now);
uint64_t sim_cpu_time_locked(const struct sim_domain *d, uint64_t now);
/* The xensim_domain_* operations on an attached state (hypercalls). */
int sim_domain_shutdown_in(struct sim_state *s, uint32_t domid, uint32_t reason);
int sim_domain_pause_in(struct sim_state *s, uint32_t domid);
int sim_domain_unpause_in(struct sim_state *s, uint32_t domid);
int sim_domain_destroy_in(struct sim_state *s, uint32_t domid);
int sim_domain_hvm_param_in(struct sim_state *s, uint32_t domid, uint32_t index,
                            uint64_t *value, bool set);

/* hc_vcpu.c: vcpus, affinities and scheduling */
long sim_domctl_vcpu(struct sim_state *s, struct xen_domctl *dc);
long sim_sysctl_sched(struct sim_state *s, struct xen_sysctl *sc);
/* Online vcpus of a domain (table lock held). */
uint32_t sim_vcpus_online_locked(const struct sim_domain *d);
/* The XEN_SCHEDULER_* of a domain's pool (table lock held). */
uint32_t sim_domain_sched_locked(const struct sim_state *s, uint32_t domid);

/* evtchn.c */
void sim_raise_virq(struct sim_state *s, uint32_t virq);
/* Deliver an event on dom0 port `port` to whoever owns it. */
void sim_deliver_dom0(struct sim_state *s, uint32_t port);
void sim_ep_address(struct sim_state *s, uint32_t ep, void *sun, unsigned *len);

/* hc_mem.c: domctl max_mem, setdomainhandle, sendtrigger; memory_op */
uint64_t sim_max_pages_locked(const struct sim_domain *d);
struct xen_domctl;
long sim_domctl_mem(struct sim_state *s, struct xen_domctl *dc);
long sim_memory_op(struct sim_state *s, uint64_t cmd, void *arg);

/* hc_cpupool.c: the host's cpus and nodes, its cpupools */
/* At state creation: cpus and nodes from the environment, pool 0. */
void sim_topology_boot(struct sim_state *s);
uint32_t sim_nr_cpus(const struct sim_state *s);
uint32_t sim_nr_nodes(const struct sim_state *s);
uint32_t sim_cpu_node(const struct sim_state *s, uint32_t cpu);
/* The pool getdomaininfo reports for a present domain (lock held). */
uint32_t sim_domain_cpupool_locked(const struct sim_domain *d);
/* A pool's XEN_SCHEDULER_* (pool 0: hc_vcpu.c's pool0_sched if set); 0
 * for no such pool (lock held). */
uint32_t sim_pool_sched_locked(const struct sim_state *s, uint32_t poolid);
/* XEN_SYSCTL_cpupool_op */
long sim_sysctl_cpupool_op(struct sim_state *s, void *op);

/* hc_absent.c: what a host without XSM and PSR answers */
long sim_xsm_op(struct sim_state *s, void *op);
long sim_sysctl_psr(struct sim_state *s, uint32_t cmd, void *sysctl);
long sim_domctl_psr(struct sim_state *s, uint32_t cmd, uint32_t domid,
                    void *domctl);

/* hypercall.c */
long sim_hypercall(unsigned op, const uint64_t arg[6]);

/* hc_domctl_create.c: the domctls that make and build a domain; sysctl
 * get_cpu_policy and get_cpu_featureset */
long sim_domctl_create(struct sim_state *s, struct xen_domctl *dc);
long sim_sysctl_cpu(struct sim_state *s, struct xen_sysctl *sc);

/* hc_memop.c: memory_op for built domains (populate_physmap,
 * decrease_reservation, claim_pages, set_memory_map, reservations,
 * maximum_ram_page), mmuext_op, event_channel_op alloc_unbound */
long sim_memop_build(struct sim_state *s, uint64_t cmd, void *arg);
long sim_mmuext_op(struct sim_state *s, const uint64_t arg[6]);
long sim_evtchn_op(struct sim_state *s, uint64_t cmd, void *arg);

/* hc_host.c: sysctl physinfo, cputopoinfo, numainfo, pcitopoinfo,
 * readconsole, debug_keys, sched_id; the hypfs_op hypercall. */
long sim_hc_host_sysctl(struct sim_state *s, struct xen_sysctl *sc);
long sim_hc_hypfs_op(struct sim_state *s, const uint64_t arg[6]);
/* memory_op XENMEM_get_sharing_freed_pages / _shared_pages (hc_mem.c
 * passes them on). */
long sim_hc_host_sharing(struct sim_state *s, uint64_t cmd);
/* Takes the table lock (setting the host part up at first use) and says
 * whether the hypervisor knows the device (seg << 16 | bus << 8 | devfn);
 * the caller unlocks. */
bool sim_pci_known_lock(struct sim_state *s, uint32_t sbdf);

/* hc_pci.c: domctl assign_device, deassign_device, test_assign_device */
long sim_domctl_pci(struct sim_state *s, struct xen_domctl *dc);

/* hc_physdev.c: domctl iomem_permission, ioport_permission,
 * irq_permission; physdev_op map_pirq and unmap_pirq */
long sim_domctl_hw(struct sim_state *s, struct xen_domctl *dc);
long sim_physdev_op(struct sim_state *s, uint64_t cmd, void *arg);

#endif
