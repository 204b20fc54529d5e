/*
 * xlboth.h: Debian's own xl, unchanged, run once on Debian's libxenlight
 * and once on lightcore's (LD_LIBRARY_PATH at the build directory), on the
 * same simulated host, and the two runs compared: exit status, standard
 * output and standard error must be the same once what legitimately
 * differs between two runs has been normalised away.
 *
 * xl is linked with BIND_NOW: it starts on lightcore only once lightcore
 * exports every libxl_ function xl binds (tests/clients/run counts them).
 */
#ifndef XLBOTH_H
#define XLBOTH_H

#include <stdbool.h>

#define DEBIAN_XL "/usr/lib/xen-4.17/bin/xl"

/* One run of xl: its exit status and what it printed (both strings are
 * non-NULL and owned by the run). */
typedef struct {
    int status;
    char *out, *err;
} xl_run;

/*
 * A normalisation rule: returns a malloc'd copy of text with what differs
 * between two honest runs replaced by a fixed token. Applied to standard
 * output and standard error of both runs before they are compared.
 */
typedef char *(*xl_normaliser)(const char *text);

/*
 * Call once per test (in the fixture, after the simulated host started):
 * preload_env is the host's "LD_PRELOAD=..." entry (simhost_preload_env()).
 * private_dir, if not NULL, is a directory under which each library gets
 * a private /var/lib/xen, /var/run/xen and /var/log/xen (private_dir/debian
 * and private_dir/lightcore, through tests/common/private-xen-dirs), so
 * the two runs never see each other's stored configurations or locks.
 */
void xlboth_init(const char *preload_env, const char *private_dir);

/* Set to true (after xlboth_init) for both libraries to share one private
 * directory, private_dir/shared: each then sees what the other stored. */
extern bool xlboth_shared;

/* If set (NULL-terminated, at most 8 words): a command that takes a
 * command, through which xl is run (inside the private directories, after
 * the environment), e.g. tests/sim/fakesysfs SPEC DUMP. */
extern const char *const *xlboth_wrapper;

/* Runs `xl ARGS...` (args NULL-terminated, at most 14) on one library,
 * with a 30 s deadline. */
xl_run xlboth_run(bool on_lightcore, const char *const args[]);

/*
 * Runs `xl ARGS...` on both libraries (Debian's first) and fails the test
 * unless status, output and error output are the same after norm (NULL:
 * xlboth_mask_times). Returns Debian's run, for the caller's own checks of
 * what xl saw (so the comparison is never vacuous).
 */
xl_run xlboth_same(const char *const args[], xl_normaliser norm);

void xl_run_free(xl_run *r);

/* Every word that is a time in seconds ("12.3": the Time(s) column)
 * replaced by "T": cpu time goes on between two runs. */
char *xlboth_mask_times(const char *text);

/* libxl's log lines on xl's stderr start "libxl: LEVEL: FILE:LINE:FUNC: ",
 * which names each library's own source: that part becomes "SRC: ". */
char *xlboth_mask_sources(const char *text);

/*
 * A scenario of state-changing steps (each a NULL-terminated argv), run
 * whole on one library, then whole on the other, from the same state:
 * the scenario must leave the host as it found it.
 *  - xlboth_steps_on_debian runs every step on Debian's library, into
 *    debian[n] (for the caller's checks of what xl saw);
 *  - xlboth_steps_on_lightcore runs them on lightcore and fails the test
 *    unless each step's status, output and error output are Debian's
 *    after norm (NULL: xlboth_mask_sources); it frees debian[].
 */
void xlboth_steps_on_debian(const char *const *const steps[], int n,
                            xl_run *debian);
void xlboth_steps_on_lightcore(const char *const *const steps[], int n,
                               xl_normaliser norm, xl_run *debian);

#endif
