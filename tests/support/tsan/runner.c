/* runner.c - main() for the TSan stand-in of Criterion (see criterion/criterion.h): runs every
 * registered test in its own process with a timeout and prints Criterion-like results. */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "criterion/criterion.h"

#define SKIP_EXIT 77

static struct criterion_shim_test *tests;
static struct criterion_shim_suite *suites;

void criterion_shim_register_test(struct criterion_shim_test *t)
{
    t->next = tests;
    tests = t;
}

void criterion_shim_register_suite(struct criterion_shim_suite *s)
{
    s->next = suites;
    suites = s;
}

_Noreturn void criterion_shim_fail(const char *file, int line, const char *expr, const char *fmt,
                                   ...)
{
    fprintf(stderr, "[----] %s:%d: Assertion failed: %s", file, line, expr);
    if (fmt && *fmt) {
        va_list ap;
        va_start(ap, fmt);
        fputs(": ", stderr);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    _exit(1);
}

_Noreturn void criterion_shim_skip(const char *fmt, ...)
{
    fprintf(stderr, "[SKIP] %s\n", fmt ? fmt : "");
    _exit(SKIP_EXIT);
}

void criterion_shim_log(const char *level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%s] ", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static struct criterion_shim_suite *suite_of(const char *name)
{
    for (struct criterion_shim_suite *s = suites; s; s = s->next)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

int main(void)
{
    /* The constructors registered in reverse order: restore source order. */
    struct criterion_shim_test *ordered = NULL;
    while (tests) {
        struct criterion_shim_test *t = tests;
        tests = t->next;
        t->next = ordered;
        ordered = t;
    }
    int passed = 0, failed = 0, skipped = 0;
    for (struct criterion_shim_test *t = ordered; t; t = t->next) {
        struct criterion_shim_suite *s = suite_of(t->suite);
        if (t->disabled || (s && s->disabled)) {
            skipped++;
            continue;
        }
        double timeout = t->timeout > 0 ? t->timeout : s && s->timeout > 0 ? s->timeout : 60;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            alarm((unsigned)(timeout + 0.999));
            if (s && s->init)
                s->init();
            if (t->init)
                t->init();
            t->fn();
            if (t->fini)
                t->fini();
            if (s && s->fini)
                s->fini();
            fflush(NULL);
            _exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            passed++;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP_EXIT) {
            skipped++;
        } else {
            failed++;
            if (WIFSIGNALED(status))
                fprintf(stderr, "[FAIL] %s::%s: killed by signal %d%s\n", t->suite, t->name,
                        WTERMSIG(status), WTERMSIG(status) == SIGALRM ? " (timed out)" : "");
            else
                fprintf(stderr, "[FAIL] %s::%s: exit status %d\n", t->suite, t->name,
                        WEXITSTATUS(status));
        }
    }
    printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Skipped: %d\n",
           passed + failed, passed, failed, skipped);
    return failed ? 1 : 0;
}
