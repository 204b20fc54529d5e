/*
 * simhost.h: the test fixture for a private simulated Xen host (Debian's
 * xenstored on the simulated hypervisor), for Check suites and any C test
 * linked with libxensim.so. See tests/sim/README.md.
 */
#ifndef SIMHOST_H
#define SIMHOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct simhost simhost;

/*
 * Start a private host: a fresh temporary directory, the state file,
 * xenstored under the simulator (/local/domain/0/name = Domain-0). Sets
 * XENSIM_STATE, XENSTORED_PATH, XENSTORED_RUNDIR, XENSIM_HOST_DIR and
 * XENSIM_HOST_PID in this process, so libxenctrl/libxenstore/libxl calls
 * made afterwards reach this host. NULL on failure (reason on stderr).
 * The host is torn down when simhost_stop() is called or when the process
 * that started it exits, even by a crash.
 */
simhost *simhost_start(void);

/* Tear down: nothing is left (process, directory). 0 when verified. */
int simhost_stop(simhost *h);

const char *simhost_dir(const simhost *h);
pid_t simhost_xenstored_pid(const simhost *h);
pid_t simhost_supervisor_pid(const simhost *h);
/* Microseconds from xenstored's start to its first answer. */
unsigned long simhost_startup_us(const simhost *h);

/* Path of the xensim CLI ($XENSIM_CLI overrides the built-in path). */
const char *simhost_cli_path(void);

/*
 * "LD_PRELOAD=..." for a subprocess that is not linked with the simulator
 * (Debian's xl, lightxl, a probe): libxensim.so, preceded by the sanitizer
 * runtime named in $SAN_PRELOAD when the tests run under a sanitizer.
 * Static storage.
 */
const char *simhost_preload_env(void);

/*
 * Run `xensim ARG...` (NULL-terminated) against the current host. Returns
 * its exit status (-1 if it could not run); *out (if not NULL) receives its
 * standard output, NUL-terminated, to be freed.
 */
int simhost_cli(char **out, const char *arg, ...) __attribute__((sentinel));

/* Create and introduce a domain; guest_policy NULL for no guest process,
 * else "obey", "ignore", "ack-only" or "crash". Its domid, or -1. */
int simhost_create_domain(const char *name, unsigned mem_mb, unsigned vcpus,
                          const char *guest_policy);
/* The same for an HVM container: type "hvm" (an HVM guest, whose PV
 * drivers are not up until simhost_set_callback_irq) or "pvh". */
int simhost_create_hvm_domain(const char *name, const char *type,
                              const char *guest_policy);
/* Set HVM_PARAM_CALLBACK_IRQ as the guest's PV drivers do; 0 or -1. */
int simhost_set_callback_irq(int domid, unsigned long long value);
int simhost_destroy_domain(int domid);                    /* 0 or -1 */
int simhost_shutdown_domain(int domid, const char *reason); /* guest side */
int simhost_crash_domain(int domid);
int simhost_request_shutdown(int domid, const char *reason); /* toolstack */
int simhost_guest_write(int domid, const char *path, const char *value);
/* Device drivers (README.md, "Devices"): how dom0's backends treat the
 * domain's devices of kind ("*": all), policy "obey", "no-initwait",
 * "no-connect" or "no-close"; whether the running guest's frontends act.
 * 0 or -1. */
int simhost_backend_policy(int domid, const char *kind, const char *policy);
int simhost_guest_frontends(int domid, bool on);
/* Wait until the domain has gone from the hypervisor; 0 or -1. */
int simhost_wait_gone(int domid, int timeout_ms);

/* Hypercall counters ("domctl.getdomaininfo", "xenstored.<name>", ...). */
uint64_t simhost_counter(const char *name);
void simhost_counters_reset(void);

/* True when pid exists and is neither a zombie nor dead. */
bool simhost_pid_running(pid_t pid);

#endif
