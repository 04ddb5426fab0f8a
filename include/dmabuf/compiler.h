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
#define dmb_container_of(ptr, type, member) __extension__ ({				\
	const __typeof__(((type *)0)->member) *__mptr = (ptr);		\
	(type *)((char *)__mptr - offsetof(type, member)); })

#define DMB_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define DMB_PRINTF(fmt, args)	__attribute__((format(printf, fmt, args)))
#define DMB_MUST_CHECK		__attribute__((warn_unused_result))

/*
 * Every public header wraps its declarations in DMB_BEGIN_DECLS and
 * DMB_END_DECLS: C linkage for a C++ consumer, and default visibility for
 * what it declares, because the libraries are built with hidden visibility
 * (anything declared only in a private header under src/ stays inside its
 * library). Which of the visible symbols a shared library exports, and under
 * which version, is then written in its version map (src/libdmabuf.map, src/libdmabuf-sim.map).
 */
#ifdef __cplusplus
#define DMB_BEGIN_DECLS	extern "C" { _Pragma("GCC visibility push(default)")
#define DMB_END_DECLS	_Pragma("GCC visibility pop") }
#else
#define DMB_BEGIN_DECLS	_Pragma("GCC visibility push(default)")
#define DMB_END_DECLS	_Pragma("GCC visibility pop")
#endif

/*
 * An atomic field of a public struct. C++ has no _Atomic before C++23, so a
 * C++ consumer sees the plain type, which has the same size and alignment
 * for the integer and pointer types used here; only the library, compiled
 * as C, ever writes these fields. An inline function of a header reads one
 * with dmb_load_acquire(), which is atomic in both languages.
 */
#ifdef __cplusplus
#define DMB_ATOMIC(type)	type
#define dmb_load_acquire(ptr)	__atomic_load_n(ptr, __ATOMIC_ACQUIRE)
#else
#define DMB_ATOMIC(type)	_Atomic(type)
#define dmb_load_acquire(ptr)	atomic_load_explicit(ptr, memory_order_acquire)
#endif

#endif /* DMABUF_COMPILER_H */
