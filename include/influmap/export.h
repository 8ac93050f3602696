/* IM_API marks what libinflumap exports. The library is built with hidden
 * visibility (-fvisibility=hidden), so exactly the functions the public
 * headers declare with IM_API are in its dynamic symbol table; everything
 * else is internal and may change without an ABI change. */
#ifndef INFLUMAP_EXPORT_H
#define INFLUMAP_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define IM_API __attribute__((visibility("default")))
#else
#define IM_API
#endif

#endif
