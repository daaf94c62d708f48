/* policies_internal.h - what the policy files share. */
#ifndef EDDY_PROTOCOLS_POLICIES_INTERNAL_H
#define EDDY_PROTOCOLS_POLICIES_INTERNAL_H

#include "eddy/protocols/policies.h"

#define eddy__container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/** Take `w` off `wf`'s list of live wrappers (the default connection_lost does it). */
void eddy__wrapping_factory_unlist(eddy_wrapping_factory *wf, eddy_protocol_wrapper *w);

/** The wrapper of kind `ops` (a policy's transport table) at or under transport `t`, walking
 * through stacked wrappers towards the real transport; NULL if there is none. */
eddy_protocol_wrapper *eddy__find_wrapper(eddy_transport *t, const eddy_transport_ops *ops);

#endif
