/* eddy/common.h - the few types several public headers share, so each is declared once. */
#ifndef EDDY_COMMON_H
#define EDDY_COMMON_H

#ifdef __cplusplus
extern "C" {
#endif

/** Frees a value or buffer the library was handed ownership of: a Deferred's result or callback
 * argument, a buffer given to eddy_transport_write_owned. Called exactly once. */
typedef void (*eddy_free_fn)(void *ptr);

#ifdef __cplusplus
}
#endif
#endif
