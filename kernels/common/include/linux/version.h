/*
 * linux/version.h - LINUX_VERSION_CODE and KERNEL_VERSION().
 *
 * The sample build passes both on the compiler command line, one value
 * per kernel of kernels.json, so this header is deliberately empty.
 */
