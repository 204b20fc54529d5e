/*
 * ops/not_implemented.h: NOT_IMPLEMENTED, the one way a public function
 * that lightcore does not implement yet is defined. It owns nothing and
 * is included only by the ops/ files that hold such placeholders.
 *
 *     NOT_IMPLEMENTED(name, return_type, failure, ctx_arg, (parameters))
 *
 * defines `return_type name(parameters)` (exported under VERS_4.17.0 like
 * every function libxl.h declares: the declaration there is what makes
 * it public) whose body
 *  - logs "<name> is not implemented yet" at ERROR level through ctx_arg's
 *    xentoollog logger, in the library's usual format (base/log.h). A
 *    function without a ctx passes NULL: nothing can be logged then, and
 *    errno is the only trace;
 *  - sets errno to ENOSYS;
 *  - returns failure, touching none of the arguments (out-parameters keep
 *    what the caller put there; nothing is allocated, no callback or event
 *    follows, ao_how is ignored).
 *
 * failure is libxl's own way for that function to say it failed:
 *  - ERROR_NI for a function returning an int error code (libxl's "not
 *    implemented"), and for the few that return a count or a value with
 *    error codes as the negative range (libxl_get_online_cpus,
 *    libxl_get_scheduler, libxl_flask_getenforce, libxl_tmem_freeable,
 *    libxl_xen_console_read_line);
 *  - NULL for a function returning a pointer (lists, strings, readers);
 *  - 0 for the yes/no questions that answer 1 or 0 and have no error
 *    value (libxl_is_stubdom, libxl_cpupoolid_is_valid,
 *    libxl_psr_cmt_enabled, libxl_psr_cmt_domain_attached,
 *    libxl_psr_cmt_type_supported) and for libxl_get_stubdom_id (0: no
 *    stub domain);
 *  - (uint32_t)-1 for libxl_vm_get_start_time, as libxl 4.17 on failure;
 *  - nothing (an empty argument) for a void function.
 *
 * scripts/list-stubs finds the placeholders by this macro's name followed
 * by the function's name on the same line; each issue that implements a
 * family replaces its NOT_IMPLEMENTED lines with code, and the baseline
 * tests/static/stubs.baseline only ever shrinks.
 */
#ifndef LIGHTCORE_OPS_NOT_IMPLEMENTED_H
#define LIGHTCORE_OPS_NOT_IMPLEMENTED_H

#include <errno.h>

#include "base/log.h"

#define NOT_IMPLEMENTED(name, return_type, failure, ctx_arg, parameters) \
    _Pragma("GCC diagnostic push")                                    \
    _Pragma("GCC diagnostic ignored \"-Wunused-parameter\"")          \
    return_type name parameters                                       \
    {                                                                 \
        LOG((ctx_arg), ERROR, "%s is not implemented yet", #name);    \
        errno = ENOSYS;                                               \
        return failure;                                               \
    }                                                                 \
    _Pragma("GCC diagnostic pop")

#endif /* LIGHTCORE_OPS_NOT_IMPLEMENTED_H */
