/* linux/init.h - 2.6.9: section markers; no __devinitconst yet (2.6.25). */
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H

#define __init		__attribute__((section(".init.text"), cold))
#define __exit		__attribute__((section(".exit.text"), cold))
#define __initdata	__attribute__((section(".init.data")))
#define __devinit
#define __devexit
#define __devinitdata

#define module_init(fn) \
	static int (*__module_init)(void) __attribute__((used)) = fn
#define module_exit(fn) \
	static void (*__module_exit)(void) __attribute__((used)) = fn

#endif
