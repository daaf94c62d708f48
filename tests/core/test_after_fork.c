/* eddy_reactor_after_fork: a child process rebuilds the backend and keeps its watchers, and
 * nothing it does to its copy of the reactor reaches the parent's.
 *
 * The child cannot use Criterion's assertions: it reports through its exit status instead. */
#include <sys/wait.h>
#include <unistd.h>

#include "eddy_test.h"

TestSuite(after_fork, .timeout = 10);

enum {
    CHILD_OK = 0,
    CHILD_AFTER_FORK_FAILED = 10,
    CHILD_NOT_CALLED = 11,
    CHILD_ITERATE_FAILED = 12,
    CHILD_SETUP_FAILED = 13,
};

static bool has_read(void *arg)
{
    return ((test_desc *)arg)->reads > 0;
}

static bool flag_is_set(void *arg)
{
    return *(bool *)arg;
}

/* The child's version of test_iterate_until_fn: no assertions, a status instead. */
static int child_iterate_until(eddy_reactor *r, bool (*done)(void *), void *arg)
{
    for (int i = 0; i < 40 && !done(arg); i++)
        if (eddy_reactor_iterate(r, 0.05) != 0)
            return CHILD_ITERATE_FAILED;
    return done(arg) ? CHILD_OK : CHILD_NOT_CALLED;
}

static void expect_child_status(pid_t pid, int want)
{
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "the child died (signal %d)", WTERMSIG(status));
    cr_assert_eq(WEXITSTATUS(status), want, "child status %d", WEXITSTATUS(status));
}

Test(after_fork, watcher_of_the_parent_still_fires_in_the_child)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    eddy_reactor_add_reader(r, &d.base);
    test_iterate_n(r, 1); /* registered with the kernel before the fork */
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int status = CHILD_AFTER_FORK_FAILED;
        if (eddy_reactor_after_fork(r) == 0) {
            status = write(sv[1], "x", 1) == 1 ? child_iterate_until(r, has_read, &d)
                                               : CHILD_SETUP_FAILED;
        }
        eddy_reactor_free(r);
        _exit(status);
    }
    expect_child_status(pid, CHILD_OK);
    cr_assert_eq(d.reads, 0, "the parent's copy was not iterated");
    eddy_reactor_free(r);
    close(sv[0]);
    close(sv[1]);
}

Test(after_fork, child_removing_a_watcher_leaves_the_parent_watching_it)
{
    /* epoll's interest set is shared across fork: without after_fork the child's removal would
     * remove the parent's registration too. */
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    eddy_reactor_add_reader(r, &d.base);
    test_iterate_n(r, 1);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int status = CHILD_AFTER_FORK_FAILED;
        if (eddy_reactor_after_fork(r) == 0) {
            eddy_reactor_remove_reader(r, &d.base);
            status = eddy_reactor_iterate(r, 0) == 0 ? CHILD_OK : CHILD_ITERATE_FAILED;
        }
        eddy_reactor_free(r);
        _exit(status);
    }
    expect_child_status(pid, CHILD_OK);
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, has_read, &d, 20);
    eddy_reactor_free(r);
    close(sv[0]);
    close(sv[1]);
}

static void set_flag(void *arg)
{
    *(bool *)arg = true;
}

Test(after_fork, child_can_add_watchers_and_receive_thread_calls)
{
    eddy_reactor *r = test_reactor_new();
    test_iterate_n(r, 1);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int status = CHILD_AFTER_FORK_FAILED;
        int sv[2];
        if (eddy_reactor_after_fork(r) == 0) {
            status = CHILD_SETUP_FAILED;
            bool woke = false;
            test_desc d;
            if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0) {
                test_desc_init(&d, r, sv[0]);
                if (eddy_reactor_add_reader(r, &d.base) == 0 && write(sv[1], "x", 1) == 1 &&
                    eddy_call_from_thread(r, set_flag, &woke) == 0) {
                    status = child_iterate_until(r, has_read, &d);
                    if (status == CHILD_OK)
                        status = child_iterate_until(r, flag_is_set, &woke);
                }
            }
        }
        eddy_reactor_free(r);
        _exit(status);
    }
    expect_child_status(pid, CHILD_OK);
    eddy_reactor_free(r);
}

Test(after_fork, parent_thread_calls_and_watchers_work_after_the_child_exits)
{
    eddy_reactor *r = test_reactor_new();
    int sv[2];
    test_socketpair(sv);
    test_desc d;
    test_desc_init(&d, r, sv[0]);
    eddy_reactor_add_reader(r, &d.base);
    test_iterate_n(r, 1);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int status = eddy_reactor_after_fork(r) == 0 ? CHILD_OK : CHILD_AFTER_FORK_FAILED;
        eddy_reactor_free(r); /* closes the child's copies of everything */
        _exit(status);
    }
    expect_child_status(pid, CHILD_OK);
    bool woke = false;
    cr_assert_eq(eddy_call_from_thread(r, set_flag, &woke), 0);
    test_iterate_until(r, &woke, 20);
    test_write_byte(sv[1]);
    test_iterate_until_fn(r, has_read, &d, 20);
    eddy_reactor_free(r);
    close(sv[0]);
    close(sv[1]);
}

Test(after_fork, delayed_calls_survive_into_the_child)
{
    eddy_fake_clock *fc;
    eddy_reactor *r = test_reactor_new_fake(&fc);
    bool fired = false;
    eddy_call_later(r, 1, set_flag, &fired);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int status = CHILD_AFTER_FORK_FAILED;
        if (eddy_reactor_after_fork(r) == 0) {
            eddy_reactor_advance(r, 1);
            status = fired ? CHILD_OK : CHILD_NOT_CALLED;
        }
        eddy_reactor_free(r);
        eddy_fake_clock_free(fc);
        _exit(status);
    }
    expect_child_status(pid, CHILD_OK);
    cr_assert_not(fired, "the child's call ran in the parent");
    test_reactor_free_fake(r, fc);
}
