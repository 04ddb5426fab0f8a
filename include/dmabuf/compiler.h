/* SPDX-License-Identifier: MIT */
/*
 * compiler.h - the few compiler helpers every libdmabuf header relies on.
 *
 * libdmabuf is written in GNU C11 (gcc >= 12, clang >= 14), like the code it
 * mirrors. Names that would collide with other userspace code (container_of,
 * likely) carry the library's own "dmb_" prefix.
 */
#ifndef DMABUF_COMPILER_H
#define DMABUF_COMPILER_H

#include <stddef.h>

#define dmb_likely(x)	__builtin_expect(!!(x), 1)
#define dmb_unlikely(x)	__builtin_expect(!!(x), 0)

/* Recover the enclosing object from a pointer to one of its members. */
#define dmb_container_of(ptr, type, member) ({				\
	const __typeof__(((type *)0)->member) *__mptr = (ptr);		\
	(type *)((char *)__mptr - offsetof(type, member)); })

#define DMB_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define DMB_PRINTF(fmt, args)	__attribute__((format(printf, fmt, args)))
#define DMB_MUST_CHECK		__attribute__((warn_unused_result))

#endif /* DMABUF_COMPILER_H */
