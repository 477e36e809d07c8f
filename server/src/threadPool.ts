// Sizes libuv's thread pool to the machine before anything uses it. sharp decodes and resizes on that pool (one
// image per thread), so its default of 4 threads caps decoding at 4 cores: on a 16-core machine scoring kept about
// 3 of them busy. The pool is created on first use and reads this variable then, so entry points import this module
// first. A value the user set wins.
import * as os from 'node:os';

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, Math.min(64, os.availableParallelism())));
