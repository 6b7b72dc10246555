/* SPDX-License-Identifier: GPL-2.0 */
/* memzero_explicit: tools/lib/kcompat.h (tests/fuzz/kshim/linux/kernel.h). */
#ifndef _KSHIM_LINUX_STRING_H
#define _KSHIM_LINUX_STRING_H

#include <string.h>

#include <linux/kernel.h>

#endif /* _KSHIM_LINUX_STRING_H */
