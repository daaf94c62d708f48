/* consumer.c - a program built against an installed eddy: makes a reactor, runs one delayed call
 * that stops it, and prints the backend it used. */
#include <eddy.h>
#include <stdio.h>

static void stop_it(void *arg)
{
    eddy_reactor_stop(arg);
}

int main(void)
{
    eddy_reactor *r;
    int rc = eddy_reactor_new(NULL, &r);
    if (rc < 0) {
        fprintf(stderr, "eddy_reactor_new: %s\n", eddy_strerror(rc));
        return 1;
    }
    eddy_call_later(r, 0.001, stop_it, r);
    rc = eddy_reactor_run(r);
    printf("consumer: eddy %s ran on %s: %s\n", eddy_version(), eddy_reactor_backend_name(r),
           eddy_strerror(rc));
    eddy_reactor_free(r);
    return rc == 0 ? 0 : 1;
}
