/*
 * xensim.h: the control API exported by libxensim.so (the simulated
 * hypervisor), used by the xensim CLI, the simulated guests and the test
 * fixture. Every call attaches lazily to the host named by $XENSIM_STATE.
 */
#ifndef XENSIM_H
#define XENSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define XENSIM_STATE_ENV "XENSIM_STATE"   /* path of the shared state file */
#define XENSIM_DEBUG_ENV "XENSIM_DEBUG"   /* non-empty: log unemulated calls */

struct xensim_dominfo {
    uint32_t domid;
    char     name[64];
    uint64_t mem_kb, max_kb;
    uint32_t vcpus;
    uint8_t  uuid[16];
    bool     dying, shutdown, paused, introduced;
    uint32_t reason;            /* SHUTDOWN_* when shutdown */
    uint64_t cpu_ns;
    uint32_t ring_maps;
    pid_t    guest_pid;
    bool     hvm;
    uint32_t vcpus_online;      /* of vcpus: those not taken down */
    bool     built;             /* made by XEN_DOMCTL_createdomain */
};

/* Host life cycle (used by the supervisor). */
int  xensim_state_create(const char *path);        /* 0 or -errno */
int  xensim_host_set_pids(pid_t xenstored, pid_t supervisor);
int  xensim_host_get_pids(pid_t *xenstored, pid_t *supervisor);
int  xensim_host_shutdown(void);                   /* clears "alive" */
bool xensim_host_alive(void);
uint32_t xensim_xsd_port(void);

/* Domains. Return >= 0 or -errno. */
int  xensim_domain_create(const char *name, uint64_t mem_kb, uint32_t vcpus,
                          const uint8_t uuid[16]);
int  xensim_domain_shutdown(uint32_t domid, uint32_t reason);  /* guest side */
int  xensim_domain_pause(uint32_t domid);
int  xensim_domain_unpause(uint32_t domid);
int  xensim_domain_destroy(uint32_t domid);
int  xensim_domain_info(uint32_t domid, struct xensim_dominfo *out);
int  xensim_domain_next(uint32_t from);            /* first domid >= from */
int  xensim_domain_set_introduced(uint32_t domid);
int  xensim_domain_set_guest_pid(uint32_t domid, pid_t pid);
/* Make a new domain an HVM container (XEN_DOMINF_hvm_guest). */
int  xensim_domain_set_hvm(uint32_t domid);
/* An HVM parameter, as HVMOP_get_param / HVMOP_set_param: only
 * HVM_PARAM_CALLBACK_IRQ is simulated (nonzero once the guest's PV drivers
 * are up); -EINVAL for a PV domain, -ENOSYS for other parameters. */
int  xensim_domain_hvm_param(uint32_t domid, uint32_t index, uint64_t *value,
                             bool set);
/* A guest taking one of its vcpus down or up (VCPUOP_down / _up), as a PV
 * kernel does when cpu/N/availability changes: 0 or -errno. */
int  xensim_vcpu_set_online(uint32_t domid, uint32_t vcpu, bool online);
/* Pool 0's scheduler (XEN_SCHEDULER_*; credit2 by default, as Xen 4.17)
 * for the domains created afterwards and those there are: 0 or -errno. */
int  xensim_set_pool0_sched(uint32_t sched_id);
/* How long a destroyed domain stays present (dying) after xenstored has
 * let it go, as on a real host; 0 (the default) frees it at once. */
int  xensim_set_relinquish_ms(uint32_t ms);
/* For the simulator's own tests: take the table lock (domid < 0) or that
 * domain record's lock, and never release it (the caller is about to die
 * inside it). */
void xensim_test_hold_lock(int domid);
/* True when pid exists and is neither a zombie nor dead (/proc/PID/stat). */
bool xensim_pid_running(pid_t pid);
/* pid's state letter (field 3 of /proc/PID/stat: R, S, D, Z, X...) and
 * start time (field 22, clock ticks since boot: with the pid, it names one
 * process, not a later one given the same pid). 0, or -1 if there is no
 * such process (or it could not be read). Either pointer may be NULL. */
int  xensim_pid_stat(pid_t pid, char *state, unsigned long long *start);

/* Guest side of a domain's xenstore ring. */
void *xensim_guest_ring(uint32_t domid);
/* Become the guest endpoint of domid: returns a socket fd receiving one
 * datagram per event; -errno if another live guest holds it. */
int  xensim_guest_attach(uint32_t domid);
void xensim_guest_detach(uint32_t domid, int fd);
int  xensim_guest_notify(uint32_t domid);          /* kick xenstored */
/* Wait up to timeout_ms for an event on fd; 1 event, 0 timeout. */
int  xensim_guest_wait(uint32_t domid, int fd, int timeout_ms);
/* An abstract unix socket address private to this host: fills sun. */
int  xensim_named_address(const char *name, void *sockaddr_un, unsigned *len);

/* Memory and triggers (hc_mem.c). */
struct xensim_memstate {
    uint64_t tot_pages, max_pages, pod_target_pages;
    uint32_t triggers[8];       /* by XEN_DOMCTL_SENDTRIGGER_* */
    bool     acpi_ignore;
};
int  xensim_domain_mem_state(uint32_t domid, struct xensim_memstate *out);
/* The guest's balloon: its memory becomes kb (rounded down to pages), or
 * max_pages if that is less, as Xen allows. */
int  xensim_domain_balloon(uint32_t domid, uint64_t kb);
/* Whether the guest OS ignores the ACPI power button (it powers off by
 * default). */
int  xensim_domain_set_acpi_ignore(uint32_t domid, bool ignore);
/* The kernel command line a toolstack's builder gave a domain made by
 * XEN_DOMCTL_createdomain, read from its memory (guestmem.c): 0, -ENODATA
 * (not built yet) or -errno. */
int  xensim_domain_cmdline(uint32_t domid, char *buf, size_t size);
/* How many domains made by XEN_DOMCTL_createdomain exist (dying too). */
int  xensim_built_domains(void);
/* Counters. Names like "domctl.getdomaininfo"; xenstored's own calls are
 * counted apart under "xenstored.<name>". */
int  xensim_counter_get(const char *name, uint64_t *value);
/* Iterate: returns false past the end. Only non-zero counters. */
bool xensim_counter_iter(unsigned *cursor, const char **name, uint64_t *value);
void xensim_counters_reset(void);

/* The host as a whole (hc_host.c). The console ring: append text as the
 * hypervisor prints it ("(XEN) " starts each line); reset it to the boot
 * messages; read what it holds (not cleared), NUL-terminated, returning
 * the length (*cleared, if not NULL: the ring index where it starts). */
int  xensim_console_write(const char *text);
int  xensim_console_reset(void);
int  xensim_console_read(char *buf, size_t size, uint32_t *cleared);
/* The host's RAM (0: the default, 64 GiB), as physinfo and numainfo
 * report it; the hypervisor's and the domains' memory is taken from it. */
int  xensim_host_set_memory_kb(uint64_t kb);
/* A runtime parameter's value, as /params/NAME holds it ("1" or "0" for a
 * boolean); -ENOENT for one not modelled. */
int  xensim_param_get(const char *name, char *buf, size_t size);
/* The PCI devices the hypervisor knows (at first use: sysfs's, as dom0
 * sees them): add one or set its NUMA node (node < 0: none), or forget it
 * (node XENSIM_PCI_FORGET); list them by index (-ENOENT past the end). */
#define XENSIM_PCI_FORGET (-2)
int  xensim_pci_set(uint16_t seg, uint8_t bus, uint8_t devfn, int32_t node);
int  xensim_pci_get(unsigned i, uint16_t *seg, uint8_t *bus, uint8_t *devfn,
                    int32_t *node);
/* Device assignment (hc_pci.c): whether the host has an IOMMU (it has
 * one unless told; without, assigning fails with EOPNOTSUPP); a known
 * device's owner (0: dom0, 0x7ff1 DOMID_IO: quarantined, else a guest) or
 * -ENOENT; set it, as a guest's assignment would. */
int  xensim_iommu_set(bool present);
int  xensim_pci_owner(uint16_t seg, uint8_t bus, uint8_t devfn);
int  xensim_pci_set_owner(uint16_t seg, uint8_t bus, uint8_t devfn,
                          uint32_t domid);
/* What domid was granted of the host's hardware (hc_physdev.c), one line
 * per range in the order granted: "iomem 0xMFN+0xN", "ioport 0xP+0xN",
 * "irq N+0x1", "pirq P -> gsi G". 0, -ENOSPC or -ENOENT. */
int  xensim_hw_grants(uint32_t domid, char *buf, size_t size);

#endif
