/* criterion/criterion.h - a small stand-in for Criterion, used only by the ThreadSanitizer build.
 *
 * Criterion cannot start under TSan (it aborts with "Could not initialize inheritable arena",
 * upstream issue Snaipe/Criterion#274, open since 2018), so the thread tests would go unchecked.
 * This header implements the part of Criterion's API eddy's tests use: Test, TestSuite with
 * .timeout/.init/.fini/.disabled, cr_assert* and cr_expect* (treated as fatal), cr_skip_test,
 * cr_log_*. Each test runs in its own forked process with an alarm for its timeout, like
 * Criterion does. The ASan build keeps using the real Criterion. */
#ifndef EDDY_TSAN_CRITERION_H
#define EDDY_TSAN_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct criterion_shim_suite {
    const char *name;
    double timeout;
    void (*init)(void);
    void (*fini)(void);
    bool disabled;
    const char *description;
    struct criterion_shim_suite *next;
};

struct criterion_shim_test {
    const char *suite;
    const char *name;
    void (*fn)(void);
    double timeout;
    void (*init)(void);
    void (*fini)(void);
    bool disabled;
    const char *description;
    int exit_code;
    int signal;
    struct criterion_shim_test *next;
};

void criterion_shim_register_test(struct criterion_shim_test *t);
void criterion_shim_register_suite(struct criterion_shim_suite *s);
_Noreturn void criterion_shim_fail(const char *file, int line, const char *expr, const char *fmt,
                                   ...);
_Noreturn void criterion_shim_skip(const char *fmt, ...);
void criterion_shim_log(const char *level, const char *fmt, ...);

#define TestSuite(suite_name, ...)                                                                 \
    static struct criterion_shim_suite criterion_shim_suite_##suite_name = {.name = #suite_name,   \
                                                                            __VA_ARGS__};          \
    __attribute__((constructor)) static void criterion_shim_reg_suite_##suite_name(void)           \
    {                                                                                              \
        criterion_shim_register_suite(&criterion_shim_suite_##suite_name);                         \
    }

#define Test(suite_name, test_name, ...)                                                           \
    static void criterion_shim_fn_##suite_name##_##test_name(void);                                \
    static struct criterion_shim_test criterion_shim_test_##suite_name##_##test_name = {           \
        .suite = #suite_name,                                                                      \
        .name = #test_name,                                                                        \
        .fn = criterion_shim_fn_##suite_name##_##test_name,                                        \
        __VA_ARGS__};                                                                              \
    __attribute__((constructor)) static void criterion_shim_reg_##suite_name##_##test_name(void)   \
    {                                                                                              \
        criterion_shim_register_test(&criterion_shim_test_##suite_name##_##test_name);             \
    }                                                                                              \
    static void criterion_shim_fn_##suite_name##_##test_name(void)

#define CRITERION_SHIM_CHECK(cond, text, ...)                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            criterion_shim_fail(__FILE__, __LINE__, text, "" __VA_ARGS__);                         \
    } while (0)

#define cr_assert(cond, ...)       CRITERION_SHIM_CHECK((cond), #cond, __VA_ARGS__)
#define cr_assert_not(cond, ...)   CRITERION_SHIM_CHECK(!(cond), "!(" #cond ")", __VA_ARGS__)
#define cr_assert_fail(...)        CRITERION_SHIM_CHECK(0, "cr_assert_fail", __VA_ARGS__)
#define cr_assert_eq(a, b, ...)    CRITERION_SHIM_CHECK((a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...)   CRITERION_SHIM_CHECK((a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...)    CRITERION_SHIM_CHECK((a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...)   CRITERION_SHIM_CHECK((a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...)    CRITERION_SHIM_CHECK((a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...)   CRITERION_SHIM_CHECK((a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_assert_null(p, ...)     CRITERION_SHIM_CHECK((p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) CRITERION_SHIM_CHECK((p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...)                                                                \
    CRITERION_SHIM_CHECK(strcmp((a), (b)) == 0, #a " equals " #b, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...)                                                               \
    CRITERION_SHIM_CHECK(strcmp((a), (b)) != 0, #a " differs from " #b, __VA_ARGS__)
#define cr_assert_arr_eq(a, b, size, ...)                                                          \
    CRITERION_SHIM_CHECK(memcmp((a), (b), (size)) == 0, #a " equals " #b, __VA_ARGS__)
#define cr_assert_float_eq(a, b, eps, ...)                                                         \
    CRITERION_SHIM_CHECK(((a) - (b)) <= (eps) && ((b) - (a)) <= (eps), #a " ~= " #b, __VA_ARGS__)

#define cr_expect          cr_assert
#define cr_expect_not      cr_assert_not
#define cr_expect_eq       cr_assert_eq
#define cr_expect_neq      cr_assert_neq
#define cr_expect_lt       cr_assert_lt
#define cr_expect_leq      cr_assert_leq
#define cr_expect_gt       cr_assert_gt
#define cr_expect_geq      cr_assert_geq
#define cr_expect_null     cr_assert_null
#define cr_expect_not_null cr_assert_not_null
#define cr_expect_str_eq   cr_assert_str_eq

#define cr_skip_test(...) criterion_shim_skip("" __VA_ARGS__)
#define cr_log_info(...)  criterion_shim_log("info", __VA_ARGS__)
#define cr_log_warn(...)  criterion_shim_log("warn", __VA_ARGS__)
#define cr_log_error(...) criterion_shim_log("error", __VA_ARGS__)

#endif
