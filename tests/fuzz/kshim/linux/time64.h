/* SPDX-License-Identifier: GPL-2.0 */
/* NSEC_PER_SEC and NSEC_PER_MSEC come from tools/lib/kcompat.h. */
#ifndef _KSHIM_LINUX_TIME64_H
#define _KSHIM_LINUX_TIME64_H

#include <linux/kernel.h>

#define MSEC_PER_SEC	1000L

#endif /* _KSHIM_LINUX_TIME64_H */
