/* Compiled as C99 -pedantic and as C++ by tests/static/run: the public
 * headers must be usable from both. */
#include <libxl.h>
#include <libxl_event.h>
#include <libxl_uuid.h>

int main(void)
{
    libxl_ctx *ctx = 0;
    libxl_event ev;
    libxl_event_init(&ev);
    libxl_event_dispose(&ev);
    (void)ctx;
    return libxl_ctx_free(ctx);
}
