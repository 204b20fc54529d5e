/*
 * cli.h: the modules of the `xensim` control program (cli.c: dispatch and
 * domain commands; toolstack.c: xenstore entries and introduction;
 * host.c: the host supervisor; guest.c: simulated guests; hostcmd.c:
 * the console ring, runtime parameters and PCI devices).
 */
#ifndef XENSIM_CLI_H
#define XENSIM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "xsclient.h"

int cli_usage(const char *synopsis);
uint64_t cli_now_us(void);
bool cli_pid_running(pid_t pid);
bool cli_pid_is_xensim(pid_t pid);
int cli_rm_rf(const char *dir);
int cli_connect(struct xsc *c);          /* dom0 socket of the current host */
int cli_parse_reason(const char *s);     /* SHUTDOWN_* or -1 */
const char *cli_reason_name(uint32_t reason);

/* host.c */
int cmd_host(int argc, char **argv);
int cmd_host_stop(int argc, char **argv);

/* toolstack.c */
enum nodes_level { NODES_NONE, NODES_MINIMAL, NODES_FULL };
int cmd_create(int argc, char **argv);
int cmd_create_bulk(int argc, char **argv);
int cmd_request_shutdown(int argc, char **argv);

/* hostcmd.c */
#define SIM_CONSOLE_MAX 16384     /* the ring's size */
int cmd_console(int argc, char **argv);
int cmd_param(int argc, char **argv);
int cmd_pci(int argc, char **argv);
int cmd_host_memory(int argc, char **argv);

/* guest.c */
int cmd_guest(int argc, char **argv);
int cmd_guest_write(int argc, char **argv);
int cmd_guest_policy(int argc, char **argv);
int cmd_guest_frontends(int argc, char **argv);

/* memcli.c */
int cmd_balloon(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_acpi(int argc, char **argv);
int cmd_xenbus(int argc, char **argv);      /* xenbus.c */
/* Start a guest process for domid in the background; its pid or -1. */
/* domwatch.c: dom0's console and guest starter for toolstack-built
 * domains (a child of the supervisor, like backend.c's drivers) */
pid_t domwatch_spawn(const char *sock, const char *host_dir, const sigset_t *mask);
pid_t guest_spawn(uint32_t domid, const char *policy, int ack_delay_ms);
/* The same, with its frontend drivers running or not. */
pid_t guest_spawn_frontends(uint32_t domid, const char *policy, int ack_delay_ms,
                            bool frontends);

#endif
