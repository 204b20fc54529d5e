/*
 * event_queue.c: events handed to the application. For now it owns only
 * libxl_event_free; the queue, libxl_event_check / libxl_event_wait and the
 * application's event hooks join it with the event core.
 */
#include <stdlib.h>

#include "internal.h"

void libxl_event_free(libxl_ctx *ctx, libxl_event *event)
{
    (void)ctx; /* may be NULL */
    if (!event) return;
    libxl_event_dispose(event);
    free(event);
}
