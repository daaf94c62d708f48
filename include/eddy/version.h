/* eddy/version.h - the library's version. */
#ifndef EDDY_VERSION_H
#define EDDY_VERSION_H

#define EDDY_VERSION_MAJOR 0
#define EDDY_VERSION_MINOR 1
#define EDDY_VERSION_PATCH 0
#define EDDY_VERSION       "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/** The version of the library actually linked (may differ from EDDY_VERSION at build time). */
const char *eddy_version(void);

#ifdef __cplusplus
}
#endif
#endif
