/*
 * state.c: the simulated host's shared state: lazy attachment to the file
 * named by $XENSIM_STATE, its robust process-shared lock, the domain table
 * (create/shutdown/pause/destroy, domids never reused) and the counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "guestmem.h"

#include <xen/xen.h>
#include <xen/hvm/params.h>

/*
 * Attachments: one record per state file mapped by this process, newest
 * first, never freed (a thread may still use an old mapping, and the list
 * keeps them reachable). The newest is published with release semantics
 * so that the common case (same $XENSIM_STATE as last time) takes no lock
 * and writes no shared memory: every hypercall of every thread passes
 * here, and a mutex would serialise them.
 */
struct attachment {
    struct sim_state *s;
    struct attachment *older;
    char path[];
};
static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;
static struct attachment *attached;       /* atomic */

uint64_t sim_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool sim_debug(void)
{
    const char *d = getenv(XENSIM_DEBUG_ENV);
    return d && *d;
}

void sim_log(const char *fmt, ...)
{
    if (!sim_debug())
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(buf) - 2)
        n = sizeof(buf) - 2;
    buf[n++] = '\n';
    char head[64];
    int h = snprintf(head, sizeof(head), "xensim[%d]: ", (int)getpid());
    if (write(2, head, (size_t)h) < 0 || write(2, buf, (size_t)n) < 0)
        return;
}

bool sim_is_xenstored(void)
{
    static int cached = -1;
    if (cached < 0)
        cached = strcmp(program_invocation_short_name, "xenstored") == 0;
    return cached;
}

static struct sim_state *map_state(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != SIM_FILE_SIZE) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    void *p = mmap(NULL, SIM_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) {
        errno = e;
        return NULL;
    }
    struct sim_state *s = p;
    if (s->magic != SIM_MAGIC || s->size != SIM_FILE_SIZE) {
        munmap(p, SIM_FILE_SIZE);
        errno = EINVAL;
        return NULL;
    }
    return s;
}

/*
 * Attach on first use, and again whenever $XENSIM_STATE names another host
 * (a test process may run several hosts one after the other). An old
 * mapping is kept: another thread may still be using it.
 */
struct sim_state *sim_state(void)
{
    const char *path = getenv(XENSIM_STATE_ENV);
    if (!path || !*path) {
        errno = ENOENT;
        return NULL;
    }
    struct attachment *a = __atomic_load_n(&attached, __ATOMIC_ACQUIRE);
    if (a && strcmp(path, a->path) == 0)
        return a->s;

    pthread_mutex_lock(&attach_lock);
    a = __atomic_load_n(&attached, __ATOMIC_ACQUIRE);
    struct sim_state *s = a ? a->s : NULL;
    if (!a || strcmp(path, a->path) != 0) {
        s = map_state(path);
        size_t len = strlen(path) + 1;
        struct attachment *n = s ? malloc(sizeof(*n) + len) : NULL;
        if (n) {
            n->s = s;
            n->older = a;
            memcpy(n->path, path, len);
            __atomic_store_n(&attached, n, __ATOMIC_RELEASE);
        } else if (s) {
            munmap(s, SIM_FILE_SIZE);
            s = NULL;
            errno = ENOMEM;
        }
    }
    pthread_mutex_unlock(&attach_lock);
    return s;
}

/*
 * The table lock stands for the hypervisor's own locks: spinlocks held for
 * a few hundred instructions, which a hypercall never sleeps on. So it is
 * a spinlock too, a word in the shared table holding the holder's pid: a
 * pthread mutex (robust, process-shared) costs several times more per
 * hypercall and puts contending threads to sleep, which would make the
 * simulated hypervisor, not the library under test, what limits threads
 * making hypercalls at once. A waiter that has spun for a while yields the
 * cpu (the holder may be descheduled), and takes the lock over if the
 * holder has died (a killed xenstored): every update under the lock leaves
 * the table sane at each store, as it did with the robust mutex.
 */
#define SIM_LOCK_SPINS 256        /* before yielding */
#define SIM_LOCK_YIELDS 64        /* between checks that the holder lives */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* This thread's pid, cached: getpid is a system call. fork's child forgets
 * it (a child made by clone or vfork that makes hypercalls without exec
 * would still hold mutual exclusion, only a death inside the lock would go
 * unnoticed). */
static __thread uint32_t lock_self;

static void lock_self_forget(void) { lock_self = 0; }
static void lock_atfork(void) { pthread_atfork(NULL, NULL, lock_self_forget); }

static uint32_t lock_id(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (!lock_self) {
        pthread_once(&once, lock_atfork);
        lock_self = (uint32_t)getpid();
    }
    return lock_self;
}

static bool lock_try(uint32_t *word, uint32_t self, uint32_t expected)
{
    return __atomic_compare_exchange_n(word, &expected, self, false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* The spinlock on a pid word: the table's, or one domain record's. */
static void word_lock(uint32_t *word)
{
    uint32_t self = lock_id();
    unsigned spins = 0, yields = 0;

    for (;;) {
        uint32_t owner = __atomic_load_n(word, __ATOMIC_RELAXED);
        if (!owner) {
            if (lock_try(word, self, 0)) return;
            continue;
        }
        if (++spins < SIM_LOCK_SPINS) {
            cpu_relax();
            continue;
        }
        spins = 0;
        if (++yields % SIM_LOCK_YIELDS == 0 &&
            !xensim_pid_running((pid_t)owner)) {
            /* The holder died inside: take over, as EOWNERDEAD did. */
            if (lock_try(word, self, owner)) return;
            continue;
        }
        sched_yield();
    }
}

static void word_unlock(uint32_t *word)
{
    __atomic_store_n(word, 0, __ATOMIC_RELEASE);
}

void sim_lock(struct sim_state *s) { word_lock(&s->lock_owner); }
void sim_unlock(struct sim_state *s) { word_unlock(&s->lock_owner); }
void sim_dom_lock(struct sim_domain *d) { word_lock(&d->lock_owner); }
void sim_dom_unlock(struct sim_domain *d) { word_unlock(&d->lock_owner); }

/* Clear a record, all but its lock (held by the caller). */
static void dom_reset(struct sim_domain *d)
{
    const size_t keep = offsetof(struct sim_domain, state);
    memset((char *)d + keep, 0, sizeof(*d) - keep);
}

void *sim_ring(struct sim_state *s, uint32_t domid)
{
    return (char *)s + SIM_RINGS_OFFSET + (uint64_t)domid * SIM_PAGE;
}

int sim_ring_domid(struct sim_state *s, const void *addr)
{
    const char *base = (const char *)s + SIM_RINGS_OFFSET;
    const char *a = addr;
    if (a < base || a >= base + (uint64_t)SIM_NR_DOMIDS * SIM_PAGE)
        return -1;
    if ((uint64_t)(a - base) % SIM_PAGE)
        return -1;
    return (int)((uint64_t)(a - base) / SIM_PAGE);
}

/* Counters are striped by cpu so that threads (of any process) counting
 * the same event on different cpus do not fight over one cache line;
 * readers add the stripes up. */
void sim_count_in(struct sim_state *s, int idx)
{
    if (!s || idx < 0 || idx >= SIM_NR_COUNTERS)
        return;
    int cpu = sched_getcpu();
    unsigned stripe = cpu > 0 ? (unsigned)cpu % SIM_CTR_STRIPES : 0;
    __atomic_fetch_add(&s->counters[stripe][sim_is_xenstored()][idx], 1,
                       __ATOMIC_RELAXED);
}

void sim_count(int idx)
{
    sim_count_in(sim_state(), idx);
}

static uint64_t counter_sum(struct sim_state *s, int who, int idx)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < SIM_CTR_STRIPES; k++)
        v += __atomic_load_n(&s->counters[k][who][idx], __ATOMIC_RELAXED);
    return v;
}

/*
 * The clock of the domain table. Callers read the clock before taking the
 * lock (keeping a slow clock read out of the critical section) and turn
 * the reading into the table's time under the lock: never earlier than any
 * time used under the lock before, so the times the table sees, and the
 * cpu times it reports, never go backwards. Pause and unpause, which take
 * no table lock, read the clock inside the domain's lock instead
 * (dom_lock_present): later than any time a reader of that record used.
 */
uint64_t sim_now_locked(struct sim_state *s, uint64_t now)
{
    if (now < s->clock_hw)
        now = s->clock_hw;
    s->clock_hw = now;
    return now;
}

uint64_t sim_cpu_time_locked(const struct sim_domain *d, uint64_t now)
{
    uint64_t t = d->cpu_ns;
    if (d->run_since_ns && now > d->run_since_ns) {
        /* a simulated guest uses about a quarter of a cpu per vcpu */
        t += (now - d->run_since_ns) / 4 * (d->vcpus ? d->vcpus : 1);
    }
    return t;
}

static void update_running_locked(struct sim_domain *d, uint64_t now)
{
    bool run = d->state == DOM_ALIVE && !d->shutdown && !d->pause_count;
    if (run && !d->run_since_ns) {
        d->run_since_ns = now ? now : 1;
    } else if (!run && d->run_since_ns) {
        d->cpu_ns = sim_cpu_time_locked(d, now);
        d->run_since_ns = 0;
    }
}

/*
 * A dying domain nobody maps any more is freed. With a relinquish delay
 * (xensim relinquish-delay MS), as on a real host where Xen takes a while
 * to release a dead domain's memory, it stays present (dying) for that
 * long after xenstored let it go, and then vanishes with no further
 * notification: xenstored reports @releaseDomain when it drops the domain,
 * never when the hypervisor finally frees it.
 */
bool sim_domain_reap_locked(struct sim_state *s, uint32_t domid)
{
    struct sim_domain *d = &s->doms[domid];
    if (domid == 0 || d->state != DOM_DYING || d->ring_maps)
        return false;
    if (s->relinquish_ms) {
        uint64_t now = sim_now_ns();
        if (!d->gone_at_ns) {
            __atomic_store_n(&d->gone_at_ns,
                             now + (uint64_t)s->relinquish_ms * 1000000u,
                             __ATOMIC_RELAXED);
            return false;
        }
        if (now < d->gone_at_ns)
            return false;
    }
    bool built = d->built;
    sim_dom_lock(d);
    dom_reset(d);
    sim_dom_unlock(d);
    s->ndomains--;
    if (built) {
        s->nr_built--;
        sim_gm_remove(domid);          /* its memory goes with it */
    }
    return true;
}

bool sim_domain_present_locked(struct sim_state *s, uint32_t domid)
{
    struct sim_domain *d = &s->doms[domid];
    if (d->state == DOM_FREE)
        return false;
    if (d->gone_at_ns && sim_domain_reap_locked(s, domid))
        return false;
    return true;
}

/* ------------------------------------------------------------ exported API */

EXPORT int xensim_state_create(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)SIM_FILE_SIZE) < 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return -e;
    }
    struct sim_state *s = mmap(NULL, SIM_FILE_SIZE, PROT_READ | PROT_WRITE,
                               MAP_SHARED, fd, 0);
    close(fd);
    if (s == MAP_FAILED)
        return -errno;

    s->lock_owner = 0;

    if (getrandom(&s->hostid, sizeof(s->hostid), 0) != sizeof(s->hostid))
        s->hostid = sim_now_ns() ^ (uint64_t)getpid();
    s->alive = 1;
    s->next_domid = 1;
    s->next_ep = 1;
    s->port_hint = 1;
    s->boot_ns = sim_now_ns();
    /* Port 1: the dom0 end of dom0's own xenbus ring (nobody listens). */
    s->xsd_port = 1;
    s->ports[1].type = PORT_RESERVED;
    s->port_hint = 2;

    struct sim_domain *d0 = &s->doms[0];
    d0->state = DOM_ALIVE;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    d0->vcpus = ncpu > 0 ? (uint32_t)ncpu : 1;
    d0->mem_kb = 1024 * 1024;
    /* dom0_mem=1024M,max:1024M (the boot's command line): its maximum is
     * its memory, as real Xen reports it (tests/realxen/rxfacts.c) */
    d0->max_pages = d0->mem_kb / 4;
    d0->max_pages_set = 1;
    snprintf(d0->name, sizeof(d0->name), "Domain-0");
    d0->created_ns = s->boot_ns;
    d0->run_since_ns = s->boot_ns;
    s->ndomains = 1;
    sim_topology_boot(s);

    __atomic_store_n(&s->size, SIM_FILE_SIZE, __ATOMIC_RELEASE);
    __atomic_store_n(&s->magic, SIM_MAGIC, __ATOMIC_RELEASE);
    munmap(s, SIM_FILE_SIZE);
    return 0;
}

EXPORT int xensim_host_set_pids(pid_t xenstored, pid_t supervisor)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    s->xenstored_pid = xenstored;
    s->supervisor_pid = supervisor;
    return 0;
}

EXPORT int xensim_host_get_pids(pid_t *xenstored, pid_t *supervisor)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    if (xenstored)
        *xenstored = s->xenstored_pid;
    if (supervisor)
        *supervisor = s->supervisor_pid;
    return 0;
}

EXPORT int xensim_host_shutdown(void)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    __atomic_store_n(&s->alive, 0, __ATOMIC_SEQ_CST);
    return 0;
}

EXPORT bool xensim_host_alive(void)
{
    struct sim_state *s = sim_state();
    return s && __atomic_load_n(&s->alive, __ATOMIC_SEQ_CST);
}

EXPORT uint32_t xensim_xsd_port(void)
{
    struct sim_state *s = sim_state();
    return s ? s->xsd_port : 0;
}

EXPORT int xensim_domain_create(const char *name, uint64_t mem_kb, uint32_t vcpus,
                                const uint8_t uuid[16])
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    if (!vcpus || vcpus > 512 || !mem_kb)
        return -EINVAL;
    uint64_t now = sim_now_ns();
    sim_lock(s);
    now = sim_now_locked(s, now);
    if (s->next_domid >= SIM_NR_DOMIDS) {
        sim_unlock(s);
        return -ENOSPC;
    }
    uint32_t domid = s->next_domid++;
    struct sim_domain *d = &s->doms[domid];
    sim_dom_lock(d);
    dom_reset(d);
    d->state = DOM_ALIVE;
    d->mem_kb = mem_kb;
    d->vcpus = vcpus;
    snprintf(d->name, sizeof(d->name), "%s", name ? name : "");
    if (uuid)
        memcpy(d->uuid, uuid, 16);
    d->created_ns = now;
    update_running_locked(d, now);
    sim_dom_unlock(d);
    s->ndomains++;
    sim_unlock(s);
    return (int)domid;
}

static struct sim_domain *live_domain(struct sim_state *s, uint32_t domid)
{
    if (domid >= SIM_NR_DOMIDS || !sim_domain_present_locked(s, domid))
        return NULL;
    return &s->doms[domid];
}

int sim_domain_shutdown_in(struct sim_state *s, uint32_t domid, uint32_t reason)
{
    if (domid == 0 || reason > 255)
        return -EINVAL;
    uint64_t now = sim_now_ns();
    sim_lock(s);
    now = sim_now_locked(s, now);
    struct sim_domain *d = live_domain(s, domid);
    int rc = 0;
    if (!d)
        rc = -ESRCH;
    else if (!d->shutdown && d->state == DOM_ALIVE) {
        /* As Xen: the first shutdown reason sticks. */
        sim_dom_lock(d);
        d->shutdown = 1;
        d->reason = reason;
        update_running_locked(d, now);
        sim_dom_unlock(d);
    }
    sim_unlock(s);
    if (rc == 0)
        sim_raise_virq(s, VIRQ_DOM_EXC);
    return rc;
}

EXPORT int xensim_domain_shutdown(uint32_t domid, uint32_t reason)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    return sim_domain_shutdown_in(s, domid, reason);
}

/*
 * Pause and unpause take only the domain's own lock (sim.h), as threads
 * pausing different domains on a real host run their hypercalls on
 * different cpus: with the table lock, the simulator would serialise them
 * and hide whether a toolstack library does. The clock is read inside the
 * lock, so it is later than any time a reader used for this record.
 * Returns the record locked, or NULL when the domain is not present (a
 * dying domain past its relinquish time counts as gone, as a reap under
 * the table lock would make it).
 */
static struct sim_domain *dom_lock_present(struct sim_state *s, uint32_t domid,
                                           uint64_t *now)
{
    if (domid >= SIM_NR_DOMIDS)
        return NULL;
    struct sim_domain *d = &s->doms[domid];
    sim_dom_lock(d);
    *now = sim_now_ns();
    uint64_t gone_at = __atomic_load_n(&d->gone_at_ns, __ATOMIC_RELAXED);
    if (d->state == DOM_FREE || (gone_at && *now >= gone_at)) {
        sim_dom_unlock(d);
        return NULL;
    }
    return d;
}

int sim_domain_pause_in(struct sim_state *s, uint32_t domid)
{
    uint64_t now;
    struct sim_domain *d = dom_lock_present(s, domid, &now);
    int rc = 0;
    if (!d)
        return -ESRCH;
    if (domid == 0 || d->state != DOM_ALIVE)
        rc = -EINVAL;
    else {
        d->pause_count++;
        update_running_locked(d, now);
    }
    sim_dom_unlock(d);
    return rc;
}

EXPORT int xensim_domain_pause(uint32_t domid)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    return sim_domain_pause_in(s, domid);
}

int sim_domain_unpause_in(struct sim_state *s, uint32_t domid)
{
    uint64_t now;
    struct sim_domain *d = dom_lock_present(s, domid, &now);
    int rc = 0;
    if (!d)
        return -ESRCH;
    if (domid == 0 || !d->pause_count)
        rc = -EINVAL;               /* as Xen: not paused by the controller */
    else {
        d->pause_count--;
        update_running_locked(d, now);
    }
    sim_dom_unlock(d);
    return rc;
}

EXPORT int xensim_domain_unpause(uint32_t domid)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    return sim_domain_unpause_in(s, domid);
}

/*
 * Destroy: the domain is dying until nobody maps its xenstore ring any
 * more (xenstored unmaps it when it notices), then it is gone. VIRQ_DOM_EXC
 * is raised now and again when it goes (from the unmap), as Xen does.
 */
int sim_domain_destroy_in(struct sim_state *s, uint32_t domid)
{
    if (domid == 0)
        return -EINVAL;
    uint64_t now = sim_now_ns();
    sim_lock(s);
    now = sim_now_locked(s, now);
    struct sim_domain *d = live_domain(s, domid);
    if (!d) {
        sim_unlock(s);
        return -ESRCH;
    }
    if (d->state == DOM_ALIVE) {
        sim_dom_lock(d);
        d->state = DOM_DYING;
        update_running_locked(d, now);
        sim_dom_unlock(d);
    }
    sim_domain_reap_locked(s, domid);
    sim_unlock(s);
    sim_raise_virq(s, VIRQ_DOM_EXC);
    return 0;
}

EXPORT int xensim_domain_destroy(uint32_t domid)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    return sim_domain_destroy_in(s, domid);
}

EXPORT int xensim_domain_info(uint32_t domid, struct xensim_dominfo *out)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    uint64_t now = sim_now_ns();
    sim_lock(s);
    struct sim_domain *d = live_domain(s, domid);
    if (!d) {
        sim_unlock(s);
        return -ESRCH;
    }
    memset(out, 0, sizeof(*out));
    out->domid = domid;
    memcpy(out->name, d->name, sizeof(out->name));
    out->mem_kb = d->mem_kb;
    out->max_kb = sim_max_pages_locked(d) * 4;
    out->vcpus = d->vcpus;
    out->vcpus_online = sim_vcpus_online_locked(d);
    memcpy(out->uuid, d->uuid, 16);
    out->dying = d->state == DOM_DYING;
    out->shutdown = d->shutdown;
    out->reason = d->reason;
    out->introduced = d->introduced;
    now = sim_now_locked(s, now);
    sim_dom_lock(d);
    out->paused = d->pause_count > 0;
    out->cpu_ns = sim_cpu_time_locked(d, now);
    sim_dom_unlock(d);
    out->ring_maps = d->ring_maps;
    out->guest_pid = d->guest_pid;
    out->hvm = d->hvm != 0;
    out->built = d->built != 0;
    sim_unlock(s);
    return 0;
}

EXPORT int xensim_domain_next(uint32_t from)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    sim_lock(s);
    int found = -ESRCH;
    uint32_t end = s->next_domid;
    for (uint32_t i = from; i < end && i < SIM_NR_DOMIDS; i++)
        if (sim_domain_present_locked(s, i)) {
            found = (int)i;
            break;
        }
    sim_unlock(s);
    return found;
}

EXPORT int xensim_domain_set_introduced(uint32_t domid)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    sim_lock(s);
    struct sim_domain *d = live_domain(s, domid);
    if (d)
        d->introduced = 1;
    sim_unlock(s);
    return d ? 0 : -ESRCH;
}

EXPORT int xensim_domain_set_guest_pid(uint32_t domid, pid_t pid)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    sim_lock(s);
    struct sim_domain *d = live_domain(s, domid);
    if (d)
        d->guest_pid = pid;
    sim_unlock(s);
    return d ? 0 : -ESRCH;
}

EXPORT int xensim_domain_set_hvm(uint32_t domid)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    sim_lock(s);
    struct sim_domain *d = live_domain(s, domid);
    if (d)
        d->hvm = 1;
    sim_unlock(s);
    return d ? 0 : -ESRCH;
}

/* HVMOP_get_param / HVMOP_set_param on domid (the checks in Xen's order:
 * the domain, its type, the parameter). */
int sim_domain_hvm_param_in(struct sim_state *s, uint32_t domid, uint32_t index,
                            uint64_t *value, bool set)
{
    int rc = 0;
    sim_lock(s);
    struct sim_domain *d = live_domain(s, domid);
    if (!d)
        rc = -ESRCH;
    else if (!d->hvm || index >= HVM_NR_PARAMS)
        rc = -EINVAL;
    else if (index != HVM_PARAM_CALLBACK_IRQ && d->built) {
        /* a domain built by a toolstack keeps every parameter it sets */
        if (set)
            d->hvm_params[index] = *value;
        else
            *value = d->hvm_params[index];
    } else if (index != HVM_PARAM_CALLBACK_IRQ)
        rc = -ENOSYS;
    else if (set)
        d->callback_irq = *value;
    else
        *value = d->callback_irq;
    sim_unlock(s);
    if (rc == -ENOSYS) {
        sim_log("hvm param %u (domain %u): not simulated", index, domid);
        sim_count_in(s, CTR_ENOSYS);
    }
    return rc;
}

EXPORT int xensim_domain_hvm_param(uint32_t domid, uint32_t index, uint64_t *value,
                                   bool set)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    return sim_domain_hvm_param_in(s, domid, index, value, set);
}

/* ------------------------------------------------------------ counters */

static const char *const hypercall_names[64] = {
    [12] = "memory_op", [13] = "multicall", [17] = "xen_version",
    [20] = "grant_table_op", [24] = "vcpu_op", [29] = "sched_op",
    [32] = "event_channel_op", [33] = "physdev_op", [34] = "hvm_op",
    [35] = "sysctl", [36] = "domctl", [41] = "dm_op", [42] = "hypfs_op",
};
static const char *const domctl_names[127] = {
    [1] = "createdomain", [2] = "destroydomain", [3] = "pausedomain",
    [4] = "unpausedomain", [5] = "getdomaininfo", [9] = "setvcpuaffinity",
    [11] = "max_mem",
    [13] = "getvcpucontext", [14] = "getvcpuinfo", [15] = "max_vcpus",
    [16] = "scheduler_op", [25] = "getvcpuaffinity",
    [68] = "setnodeaffinity", [69] = "getnodeaffinity",
    [23] = "settimeoffset", [30] = "sethvmcontext", [31] = "gethvmcontext",
    [17] = "setdomainhandle", [28] = "sendtrigger",
    [35] = "set_target", [48] = "gettscinfo",
};
static const char *const sysctl_names[63] = {
    [1] = "readconsole", [3] = "physinfo", [4] = "sched_id",
    [6] = "getdomaininfolist", [7] = "debug_keys", [8] = "getcpuinfo",
    [16] = "cputopoinfo", [17] = "numainfo", [18] = "cpupool_op",
    [19] = "scheduler_op", [22] = "pcitopoinfo",
};
static const char *const xenver_names[32] = {
    [0] = "version", [1] = "extraversion", [2] = "compile_info",
    [3] = "capabilities", [4] = "changeset", [5] = "platform_parameters",
    [6] = "get_features", [7] = "pagesize", [8] = "guest_handle",
    [9] = "commandline", [10] = "build_id",
};
static const char *const schedop_names[16] = {
    [0] = "yield", [1] = "block", [2] = "shutdown", [3] = "poll",
    [4] = "remote_shutdown", [5] = "shutdown_code", [6] = "watchdog",
};
static const char *const misc_names[CTR_END - CTR_MISC] = {
    "enosys", "multicall.entries", "evtchn.open", "evtchn.notify",
    "evtchn.bind_virq", "evtchn.bind_interdomain", "evtchn.bind_unbound",
    "evtchn.unbind", "evtchn.pending", "gnttab.map", "gnttab.unmap",
    "virq.raised", "events.sent", "events.dropped", "xencall.open",
};

static void counter_name(int idx, char *buf, size_t len)
{
    const char *n = NULL, *group;
    int sub;
    if (idx < CTR_DOMCTL) {
        group = "hypercall"; sub = idx; n = hypercall_names[sub];
    } else if (idx < CTR_SYSCTL) {
        group = "domctl"; sub = idx - CTR_DOMCTL;
        n = sub == 127 ? "other" : domctl_names[sub];
    } else if (idx < CTR_XENVER) {
        group = "sysctl"; sub = idx - CTR_SYSCTL;
        n = sub == 63 ? "other" : sysctl_names[sub];
    } else if (idx < CTR_SCHEDOP) {
        group = "xen_version"; sub = idx - CTR_XENVER; n = xenver_names[sub];
    } else if (idx < CTR_MISC) {
        group = "sched_op"; sub = idx - CTR_SCHEDOP; n = schedop_names[sub];
    } else {
        snprintf(buf, len, "%s", misc_names[idx - CTR_MISC]);
        return;
    }
    if (n)
        snprintf(buf, len, "%s.%s", group, n);
    else
        snprintf(buf, len, "%s.%d", group, sub);
}

EXPORT int xensim_counter_get(const char *name, uint64_t *value)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    int who = 0;
    if (strncmp(name, "xenstored.", 10) == 0) {
        who = 1;
        name += 10;
    }
    char buf[64];
    for (int i = 0; i < SIM_NR_COUNTERS; i++) {
        counter_name(i, buf, sizeof(buf));
        if (strcmp(buf, name) == 0) {
            *value = counter_sum(s, who, i);
            return 0;
        }
    }
    *value = 0;
    return -ENOENT;
}

EXPORT bool xensim_counter_iter(unsigned *cursor, const char **name, uint64_t *value)
{
    static __thread char buf[80];
    struct sim_state *s = sim_state();
    if (!s)
        return false;
    while (*cursor < 2u * SIM_NR_COUNTERS) {
        unsigned who = *cursor / SIM_NR_COUNTERS, i = *cursor % SIM_NR_COUNTERS;
        (*cursor)++;
        uint64_t v = counter_sum(s, (int)who, (int)i);
        if (!v)
            continue;
        char n[64];
        counter_name((int)i, n, sizeof(n));
        snprintf(buf, sizeof(buf), "%s%s", who ? "xenstored." : "", n);
        *name = buf;
        *value = v;
        return true;
    }
    return false;
}

EXPORT void xensim_counters_reset(void)
{
    struct sim_state *s = sim_state();
    if (!s)
        return;
    for (unsigned k = 0; k < SIM_CTR_STRIPES; k++)
        for (int w = 0; w < 2; w++)
            for (int i = 0; i < SIM_NR_COUNTERS; i++)
                __atomic_store_n(&s->counters[k][w][i], 0, __ATOMIC_RELAXED);
}

EXPORT int xensim_set_relinquish_ms(uint32_t ms)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -errno;
    sim_lock(s);
    s->relinquish_ms = ms;
    sim_unlock(s);
    return 0;
}

/* Running means present and neither zombie nor dead: a killed xenstored can
 * stay a zombie for a while, so kill(pid, 0) is not enough. */
EXPORT void xensim_test_hold_lock(int domid)
{
    struct sim_state *s = sim_state();
    if (!s)
        return;
    if (domid < 0)
        sim_lock(s);
    else if ((uint32_t)domid < SIM_NR_DOMIDS)
        sim_dom_lock(&s->doms[domid]);
}

EXPORT int xensim_pid_stat(pid_t pid, char *state, unsigned long long *start)
{
    if (pid <= 0)
        return -1;
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    /* The command name (field 2) may hold spaces and ')': fields are
     * counted from the last ')'. After it: " S" is field 3 (the state)
     * and the start time is field 22, 19 numbers further on. */
    char *rp = strrchr(buf, ')');
    if (!rp || rp[1] != ' ' || !rp[2] || rp[3] != ' ')
        return -1;
    if (state)
        *state = rp[2];
    if (start) {
        char *p = rp + 3;
        for (int field = 4; field < 22 && p; field++)
            p = strchr(p + 1, ' ');
        if (!p)
            return -1;
        *start = strtoull(p + 1, NULL, 10);
    }
    return 0;
}

EXPORT bool xensim_pid_running(pid_t pid)
{
    char state;
    return xensim_pid_stat(pid, &state, NULL) == 0 && state != 'Z' && state != 'X';
}
