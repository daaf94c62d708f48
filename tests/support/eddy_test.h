/* eddy_test.h - helpers shared by eddy's Criterion tests.
 *
 * Reactor-level tests make their reactor with test_reactor_new(): it uses the backend named by
 * EDDY_REACTOR, which CTest sets to each backend in turn (tests/CMakeLists.txt). Waiting is done by
 * iterating the reactor until a condition holds, with a bound on iterations, never by sleeping. */
#ifndef EDDY_TEST_H
#define EDDY_TEST_H

#include <criterion/criterion.h>
#include <stdbool.h>

#include "eddy.h"

/** A reactor on the backend under test; fails the test if it cannot be made. */
eddy_reactor *test_reactor_new(void);
/** A reactor driven by a new fake clock (returned in *fc; free it after the reactor). */
eddy_reactor *test_reactor_new_fake(eddy_fake_clock **fc);
/** Iterate (each wait at most 50 ms) until *flag is true; fails the test after `max_iterations`. */
void test_iterate_until(eddy_reactor *r, const bool *flag, int max_iterations);
/** Iterate until `predicate(arg)` is true; fails the test after `max_iterations`. */
void test_iterate_until_fn(eddy_reactor *r, bool (*predicate)(void *), void *arg,
                           int max_iterations);
/** A connected pair of non-blocking, close-on-exec Unix stream sockets. */
void test_socketpair(int fds[2]);
/** A non-blocking, close-on-exec pipe: fds[0] reads, fds[1] writes. */
void test_pipe(int fds[2]);
/** The backend under test ("default" when EDDY_REACTOR is unset). */
const char *test_backend(void);

/** Free a reactor made by test_reactor_new_fake() and then its clock. */
void test_reactor_free_fake(eddy_reactor *r, eddy_fake_clock *fc);
/** Iterate `n` times without blocking (iterate(0)); fails the test if an iteration fails. */
void test_iterate_n(eddy_reactor *r, int n);
/** Write one byte to `fd`; fails the test if it cannot. */
void test_write_byte(int fd);

/** A descriptor that records what the reactor does to it. Use it as a reader and/or writer:
 * do_read drains the fd when `drain` is set, runs `on_read` (if any) and returns `read_result`;
 * do_write runs `on_write` and returns `write_result`; connection_lost counts and keeps the
 * reason's code. The struct is owned by the test (usually on its stack). */
typedef struct test_desc test_desc;
struct test_desc {
    eddy_descriptor base;          /* first, so handlers can cast back */
    eddy_reactor *r;               /* the reactor it is meant for, for hooks */
    int reads, writes;             /* do_read / do_write calls so far */
    int lost;                      /* connection_lost calls so far */
    int lost_code;                 /* code of the last connection_lost reason, 0 if none */
    int read_result, write_result; /* what do_read / do_write return */
    bool drain;                    /* do_read reads and drops what is available */
    void (*on_read)(test_desc *t); /* extra work in do_read, before it returns */
    void (*on_write)(test_desc *t);
    void *user; /* free for the test */
};
/** Reset `t` to watch `fd` for reactor `r`: counters zero, results 0, drain on, no hooks. */
void test_desc_init(test_desc *t, eddy_reactor *r, int fd);
/** How many readers / writers eddy_reactor_get_readers / get_writers report. */
size_t test_count_readers(eddy_reactor *r);
size_t test_count_writers(eddy_reactor *r);
/** True if `d` is among the readers / writers the reactor reports. */
bool test_is_reader(eddy_reactor *r, const eddy_descriptor *d);
bool test_is_writer(eddy_reactor *r, const eddy_descriptor *d);

/** Close both ends of a pair. */
void test_close_pair(int sv[2]);
/** Predicates on a test_desc for test_iterate_until_fn: it read, it wrote, it was lost. */
bool test_desc_has_read(void *arg);
bool test_desc_has_written(void *arg);
bool test_desc_is_lost(void *arg);
/** A read hook that behaves like a transport: 0 at EOF means a clean close, errors disconnect. */
void test_desc_read_like_a_transport(test_desc *t);

/** A new temporary file "$TMPDIR/STEM-??????" (path filled in); returns its fd. */
int test_mkstemp(char *path, size_t size, const char *stem);
/** A new temporary directory "$TMPDIR/STEM-??????"; returns `path`. */
char *test_mkdtemp(char *path, size_t size, const char *stem);

#endif
