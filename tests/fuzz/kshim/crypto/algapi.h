/* SPDX-License-Identifier: GPL-2.0 */
/* crypto_memneq comes from tools/lib/kcompat.h, as in kmod/proto.c's build. */
#ifndef _KSHIM_CRYPTO_ALGAPI_H
#define _KSHIM_CRYPTO_ALGAPI_H

#include <linux/kernel.h>

#endif /* _KSHIM_CRYPTO_ALGAPI_H */
