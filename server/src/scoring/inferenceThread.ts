// What a worker thread that opens onnxruntime sessions needs, kept apart from session.ts so that the language
// server can start such a thread without loading onnxruntime itself (its native library is unpacked first).

/** The stack, in MB, of every worker thread that opens an onnxruntime session. Loading the trait graph recurses
 *  deep inside onnxruntime: with Node's default 4 MB worker stack the process crashed (SIGSEGV, nothing printed)
 *  once its command line held ~13 KB of file names, as `wabi traits photos/*.jpg` does for a few hundred files.
 *  Untouched stack pages cost no memory. */
export const INFERENCE_THREAD_STACK_MB = 64;
