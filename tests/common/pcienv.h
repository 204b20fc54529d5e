/*
 * pcienv.h: the scratch setting the PCI passthrough tests share
 * (tests/integration/ops/test_dropin_pci_attach.c, test_dropin_pci_hvm.c,
 * test_xl_pci_attach.c, test_pci_faults.c): a directory of their own under
 * /tmp holding the fake sysfs's spec (tests/sim/fakesysfs) and one guest's
 * stored configuration, the command that runs a program inside that fake
 * sysfs, and the step that stores the configuration before a run; and the
 * file helpers and root check the assignable-list tests use too
 * (test_dropin_pci.c, test_xl_pci.c). The simulated host itself stays
 * with each test (this module is linked into every test program, the unit
 * ones too, so it calls nothing of tests/sim).
 *
 * The fake sysfs needs root (mount namespaces, FUSE): without it
 * pcienv_setup and pcienv_teardown do nothing and pcienv_skip says so.
 */
#ifndef PCIENV_H
#define PCIENV_H

#include <limits.h>
#include <stdbool.h>

/* Set by pcienv_setup: the scratch directory, the fakesysfs program (an
 * absolute path), the spec file in the scratch directory (the tests write
 * it; the fake sysfs runs on it and writes its end state back to it) and
 * the guest's configuration (JSON, domid 1's, for the probe's "store"). */
#define PCIENV_BASE_SIZE 64
extern char pcienv_base[PCIENV_BASE_SIZE];
extern char pcienv_fakesysfs[PATH_MAX];
extern char pcienv_spec[PATH_MAX];
extern char pcienv_config[PATH_MAX];

/* The wrapper that runs a command inside the fake sysfs: { fakesysfs,
 * spec, spec, NULL } (for dropin_run_wrapped, xlboth_wrapper). */
extern const char *pcienv_wrapper[4];

/* True (after saying "skipped" on stderr) when the tests cannot run: not
 * root. */
bool pcienv_skip(void);

/* The test fixture's setup, as root: makes the scratch directory
 * /tmp/NAME.XXXXXX (NAME short: the path must fit PCIENV_BASE_SIZE), sets
 * the paths above and writes a guest "vm" of guest_type ("pv" or "hvm":
 * 1 vcpu, 64 MiB) to pcienv_config. Fails the test if any step fails. */
void pcienv_setup(const char *name, const char *guest_type);

/* The fixture's teardown, as root: removes the scratch directory and all
 * below it. */
void pcienv_teardown(void);

/* Writes text to path (created or truncated); fails the test on error. */
void pcienv_write_file(const char *path, const char *text);

/* The whole content of path up to its first NUL byte ("" for an empty
 * file; the caller frees), or "(none)\n" when it cannot be opened; fails
 * the test on a read error. */
char *pcienv_read_file(const char *path);

/* Stores pcienv_config as domain 1's configuration with the probe prog's
 * "store 1 CONFIG" (dropin_run_private with dir and preload_env, on
 * lightcore or Debian's library); fails the test unless it printed
 * "store rc=0\ndone\n". */
void pcienv_store_config(const char *prog, const char *preload_env,
                         bool on_lightcore, const char *dir);

#endif
