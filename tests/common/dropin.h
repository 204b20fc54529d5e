/*
 * dropin.h: a probe program run the ways that show lightcore is a drop-in
 * for Debian's libxenlight 4.17: a probe built against Debian's headers,
 * run on Debian's library and then on lightcore's (ABI), and the same
 * source built against lightcore's headers (API). Each run's output must
 * be the same.
 */
#ifndef DROPIN_H
#define DROPIN_H

#include <stdbool.h>

/*
 * Runs the probe at build path prog with the arguments args (NULL-
 * terminated, may be NULL; at most 8) and the environment entry
 * preload_env (the simulated host's preload), on Debian's library, or with
 * on_lightcore on lightcore's (LD_LIBRARY_PATH = the build directory).
 * Fails the test unless the probe exits 0 within 30 s. Returns its
 * standard output (the caller frees).
 */
char *dropin_run(const char *prog, const char *const args[],
                 const char *preload_env, bool on_lightcore);

/*
 * dropin_run inside a private mount namespace in which /var/lib/xen,
 * /var/run/xen and /var/log/xen are directories under dir (see
 * tests/common/private-xen-dirs): for probes whose calls make Debian's
 * library write there. Runs given the same dir see each other's files.
 */
char *dropin_run_private(const char *prog, const char *const args[],
                         const char *preload_env, bool on_lightcore,
                         const char *dir);

/*
 * dropin_run_private (dir may be NULL: no private directories) with the
 * probe run through wrapper (NULL-terminated, at most 8 words, may be
 * NULL), a command that takes a command, e.g. tests/sim/fakesysfs SPEC
 * DUMP: inside the private directories, after the environment is set.
 */
char *dropin_run_wrapped(const char *prog, const char *const args[],
                         const char *preload_env, bool on_lightcore,
                         const char *dir, const char *const wrapper[]);

/* Fails the test unless the ABI and API runs printed what Debian's did. */
void dropin_assert_same(const char *debian, const char *abi,
                        const char *api);

#endif
